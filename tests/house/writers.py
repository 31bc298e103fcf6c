"""A person at a browser against a real server (tools/harness/browser.py over HTTP): opens pages, submits the
forms found in them (hidden fields and CSRF token included), and every answer is recorded by route; a real SMTP
server's inbox; people run at once, each in a thread."""

from __future__ import annotations

import email
import re
import threading
import time
from collections import Counter

from bs4 import BeautifulSoup, Tag

from tools.harness.browser import Browser, Result
from tests.html import form_fields

# The answer each route gives when it does what was asked; any other answer is a problem. Registering may
# also be refused (422) for a name another newcomer took a moment before.
_ACCEPTED = {
    "post": 303,
    "follow": 303,
    "send": 303,
    "mark read": 200,
    "activity read": 200,
    "profile": 303,
    "block": 303,
    "delete conversation": 303,
    "change password": 303,
    "sign out": 303,
    "login": 303,
    "register": 303,
    "reset request": 303,
    "reset": 303,
    "page": 200,
    # The writes the later issues added (posts, per-message actions, conversations, settings, two-factor,
    # account deletion, export): see tests/house/write_scripts.py.
    "edit post": 303,
    "ask to delete post": 303,  # without script, the post's Delete button leads to "Delete this post?"
    "delete post": 303,
    "react": 303,
    "unsend": 303,
    "edit message": 303,
    "delete for me": 303,
    "mute": 303,
    "mark unread": 303,
    "privacy": 303,
    "email settings": 303,
    "appearance": 303,
    "change email": 303,
    "resend verification": 303,
    "verify email": 303,
    "dismiss banner": 303,
    "unsubscribe": 200,
    "enable two-factor": 200,
    "login code": 303,
    "disable two-factor": 303,
    "export": 303,
    "delete account": 303,
    "translate": 200,
}


def expected_statuses() -> dict[str, set[int]]:
    expected = {route: {status} for route, status in _ACCEPTED.items()}
    expected["register"].add(422)
    expected["export"].add(409)  # two sessions of one person ask at once: one export, the other is told it is under way
    return expected


class Recorder:
    """Every answer, by route."""

    def __init__(self):
        self.results: list[Result] = []
        self.lock = threading.Lock()

    def add(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)

    def problems(self, expected: dict[str, set[int]]) -> list[str]:
        bad = [
            r
            for r in self.results
            if r.status >= 500 or r.status == 0 or (r.endpoint in expected and r.status not in expected[r.endpoint])
        ]
        if not bad:
            return []
        return [
            f"{len(bad)} of {len(self.results)} answers were not what the route answers when it works, e.g. "
            + "; ".join(f"{r.endpoint} HTTP {r.status}: {' '.join(r.body.split())[:160]!r}" for r in bad[:3])
        ]

    def accepted_routes(self) -> set[str]:
        return {r.endpoint for r in self.results if r.status == _ACCEPTED.get(r.endpoint)}

    def summary(self) -> str:
        counts = Counter((r.endpoint, r.status) for r in self.results)
        return ", ".join(f"{route} {status}: {n}" for (route, status), n in sorted(counts.items()))


class Page:
    """A page a person has in front of them."""

    def __init__(self, person: "Person", html: str):
        self.person, self.soup = person, BeautifulSoup(html, "html.parser")

    def form(self, selector: str) -> Tag:
        found = self.soup.select(selector)
        assert len(found) == 1, f"expected one {selector!r} on {self.person.name}'s page, found {len(found)}"
        return found[0]

    def submits(self, selector: str, route: str, **fields) -> int:
        """Submit the form as a browser does (its action, its fields, `fields` typed in); the answer's status."""
        return self.answer(selector, route, **fields).status

    def answer(self, selector: str, route: str, **fields) -> Result:
        """Submit the form (a field given as None is left out, as an unticked box); the whole answer."""
        form = self.form(selector)
        data = {k: v for k, v in {**form_fields(form), **fields}.items() if v is not None}
        return self.person.browser.request(route, "POST", form["action"], data, headers=self.person.headers)

    def text(self, selector: str) -> str:
        return self.form(selector).get_text(" ", strip=True)

    def ids(self, selector: str, prefix: str) -> list[int]:
        """The numbers in the ids (`prefix<N>`) of the elements `selector` selects."""
        return [int(e["id"][len(prefix) :]) for e in self.soup.select(selector) if e.get("id", "").startswith(prefix)]


class Person:
    """One browser (cookie jar) from its own client address (X-Forwarded-For; the server trusts one proxy)."""

    def __init__(self, port: int, name: str, recorder: Recorder, address: str):
        self.name = name
        self.browser = Browser(port, name, recorder.add)
        self.headers = {"X-Forwarded-For": address}

    def opens(self, path: str, route: str | None = None) -> Page:
        if route is None:
            route = "mark read" if path.startswith("/messages/") else "activity read" if path == "/activity" else "page"
        result = self.browser.request(route, "GET", path, headers=self.headers)
        assert result.status == 200, f"{self.name}: GET {path} answered {result.status}"
        return Page(self, result.body)

    def status_of(self, path: str) -> int:
        return self.browser.request("stale session", "GET", path, headers=self.headers, record=False).status

    def signs_in(self, password: str, code: str | None = None) -> int:
        """Sign in; with two-factor sign-in on, `code` (a TOTP or recovery code) on the second page."""
        status = self.opens("/auth/login").submits("#login-form", "login", username=self.name, password=password)
        if code is None or status != 303:
            return status
        return self.opens("/auth/login/code").submits("#login-code-form", "login code", code=code)


class Inbox:
    """A real SMTP server's deliveries, by recipient."""

    def __init__(self):
        self.by_address: dict[str, list[email.message.Message]] = {}

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        for address in envelope.rcpt_tos:
            self.by_address.setdefault(address, []).append(message)
        return "250 OK"

    def reset_path(self, address: str) -> str:
        return self.link(address, "/auth/reset_password/")

    def link(self, address: str, prefix: str, count: int = 1, timeout: float = 15) -> str:
        """The path of the newest link starting with `prefix` once `count` emails with one reached `address`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = []
            for message in list(self.by_address.get(address, [])):
                for part in message.walk():
                    if part.get_content_type() == "text/plain":
                        text = part.get_payload(decode=True).decode()
                        found += re.findall(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", text)
            if len(found) >= count:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"{count} emails with {prefix} did not reach {address}")


def run_threads(jobs) -> list[str]:
    errors: list[str] = []

    def guard(job):
        try:
            job()
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            errors.append(repr(exc))

    threads = [threading.Thread(target=guard, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors + (["a writer hung"] if any(t.is_alive() for t in threads) else [])
