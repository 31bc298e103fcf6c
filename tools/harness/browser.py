"""A signed-in browser over http.client: a cookie jar, the CSRF token of its session, one connection a request."""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

HTMX = {"HX-Request": "true"}  # what htmx sends with each of its requests


@dataclass
class Result:
    endpoint: str  # the caller's name for what was asked (a table row)
    status: int  # 0: no answer (connection refused, reset, timeout)
    seconds: float
    started: float  # time.monotonic() when the request started
    body: str = ""
    content_type: str = ""
    size: int = 0  # body bytes as received
    headers: dict[str, str] = field(default_factory=dict)


def csrf_token(html: str) -> str | None:
    """The value of the first `csrf_token` field in a page, whatever the order of its attributes."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return match.group(1) if match else None


def badge_count(html: str) -> int | None:
    """The count the badge states for screen readers ("3 unread messages"); 0 when it says nothing."""
    match = re.search(r'id="message-count".*?class="visually-hidden">([^<]*)<', html, re.S)
    if match is None:
        return None
    number = re.search(r"\d+", match.group(1))
    return int(number.group()) if number else 0


class Browser:
    """One user's browser against 127.0.0.1:`port`. Each answer goes to `record` (when given) as a Result."""

    def __init__(self, port: int, username: str = "", record: Callable[[Result], None] | None = None):
        self.port, self.username, self.record = port, username, record
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self,
        endpoint: str,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
        record: bool = True,
        timeout: float = 30,
    ) -> Result:
        body = urlencode(form).encode() if form is not None else None
        hdrs = {"Host": f"127.0.0.1:{self.port}", "Connection": "close", **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            raw = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            result = Result(
                endpoint,
                response.status,
                time.monotonic() - started,
                started,
                raw.decode("utf-8", "replace"),
                response.getheader("Content-Type") or "",
                len(raw),
                dict(response.getheaders()),
            )
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            result = Result(endpoint, 0, time.monotonic() - started, started, repr(exc))
        if record and self.record is not None:
            self.record(
                Result(
                    result.endpoint,
                    result.status,
                    result.seconds,
                    result.started,
                    result.body,
                    result.content_type,
                    result.size,
                )
            )
        return result

    def sign_in(self, password: str, endpoint: str = "login") -> bool:
        """Sign in through the form (GET it, POST it with its CSRF token) and read the new token."""
        form = self.request(endpoint, "GET", "/auth/login")
        token = csrf_token(form.body)
        if form.status != 200 or not token:
            return False
        done = self.request(
            endpoint, "POST", "/auth/login", {"csrf_token": token, "username": self.username, "password": password}
        )
        if done.status != 303:
            return False
        # Signing in rotates the CSRF token (a token seen before sign-in is worth nothing after it): read the
        # new one from the first page, as a browser does.
        home = self.request(endpoint, "GET", "/index")
        self.csrf = csrf_token(home.body) or ""
        return home.status == 200 and bool(self.csrf)
