"""The session cookie's user field: the only code that reads it, and that writes it for tools and tests.

Flask-Login keeps the signed-in user in the signed session cookie under `_user_id`, as `User.get_id()` makes
it: "<user id>:<session token>". The token is checked against the database by whoever uses the pair (a
sign-out or a password change makes a new one, and every session with the old one is signed out).
Polls and `/events` read the pair here without loading the user; Flask-Login's loader parses it here too.
"""

from __future__ import annotations

import time

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

USER_FIELD = "_user_id"  # Flask-Login's key in the session
FRESH_FIELD = "_fresh"  # Flask-Login's "signed in with a password in this session" flag


def parse_session_id(token: str | None) -> tuple[int, str] | None:
    """Split the "<id>:<session token>" that User.get_id() stores in the session; None when malformed."""
    if not token:
        return None
    user_id, _, session_token = str(token).partition(":")
    if not user_id.isdigit() or len(user_id) > 18 or not session_token:
        return None
    return int(user_id), session_token


def session_user() -> tuple[int, str] | None:
    """This request's (user id, session token) from the signed cookie, unchecked; None when there is none."""
    return parse_session_id(session.get(USER_FIELD))


def sign_in_fields(user_id: int, session_token: str, fresh: bool = True) -> dict:
    """The session fields of a user signed in with a password: for tools and tests that forge a session."""
    return {USER_FIELD: f"{user_id}:{session_token}", FRESH_FIELD: fresh}


def forged_cookie(app: Flask, user_id: int, session_token: str, **more) -> str:
    """The signed `session` cookie value a browser holds after signing in (tools and tests; `app` gives the
    secret key and the session interface)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({**sign_in_fields(user_id, session_token), **more})


# Values a remembered payload may hold: immutable, so every request gets a session that is its own.
_PLAIN = (str, int, float, bool, type(None))
MAX_REMEMBERED = 10_000  # cookies per process (~0.5 KiB each); past it the memo starts again


class RememberedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the payload of each cookie it verified remembered per process.

    Every request of a signed-in tab (a badge poll every few seconds) sends the same cookie, and checking
    its signature, its age and its JSON was a fifth of an idle poll's CPU (bench/README.md "Tabs"). The memo
    is keyed by the exact cookie text and the secret key, so a hit answers what verifying that text again
    would: only cookies that verified are stored, the age limit is checked again on every hit, and a payload
    with a mutable value (a list of flashed messages) is never stored. Unchanged sessions are not
    re-serialized on the way out either (Flask's own rule: no cookie unless modified or refreshed)."""

    def __init__(self):
        self._memo: dict[tuple[str, str], tuple[dict, int]] = {}

    def open_session(self, app, request):
        val = request.cookies.get(self.get_cookie_name(app))
        if not val or not app.secret_key:
            return super().open_session(app, request)
        key = (app.secret_key, val)
        hit = self._memo.get(key)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        if hit is not None and 0 <= int(time.time()) - hit[1] <= max_age:  # itsdangerous's age rule
            return self.session_class(hit[0])
        serializer = self.get_signing_serializer(app)
        try:
            data, signed = serializer.loads(val, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            if len(self._memo) >= MAX_REMEMBERED:
                self._memo.clear()
            self._memo[key] = (data, int(signed.timestamp()))
        return self.session_class(data)

    def save_session(self, app, session, response) -> None:
        if session.modified or self.should_set_cookie(app, session):
            return super().save_session(app, session, response)
        if session.accessed:  # what Flask's save_session does for an unchanged session, and nothing else
            response.vary.add("Cookie")


def init_app(app: Flask) -> None:
    app.session_interface = RememberedSessionInterface()
