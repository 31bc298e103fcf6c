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
}


def expected_statuses() -> dict[str, set[int]]:
    expected = {route: {status} for route, status in _ACCEPTED.items()}
    expected["register"].add(422)
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
        form = self.form(selector)
        data = {**form_fields(form), **fields}
        return self.person.browser.request(route, "POST", form["action"], data, headers=self.person.headers).status

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

    def signs_in(self, password: str) -> int:
        return self.opens("/auth/login").submits("#login-form", "login", username=self.name, password=password)


class Inbox:
    """A real SMTP server's deliveries, by recipient."""

    def __init__(self):
        self.by_address: dict[str, list[email.message.Message]] = {}

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        for address in envelope.rcpt_tos:
            self.by_address.setdefault(address, []).append(message)
        return "250 OK"

    def reset_path(self, address: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.by_address.get(address, []):
                for part in message.walk():
                    if part.get_content_type() == "text/plain":
                        text = part.get_payload(decode=True).decode()
                        found = re.search(r"https?://[^/\s]+(/auth/reset_password/\S+)", text)
                        if found:
                            return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no reset email reached {address}")


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
