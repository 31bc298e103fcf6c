"""The session cookie's user field: the only code that reads it, and that writes it for tools and tests.

Flask-Login keeps the signed-in user in the signed session cookie under `_user_id`, as `User.get_id()` makes
it: "<user id>:<session token>". The token is checked against the database by whoever uses the pair (a
sign-out or a password change makes a new one, and every session with the old one is signed out).
Polls and `/events` read the pair here without loading the user; Flask-Login's loader parses it here too.
"""

from __future__ import annotations

from flask import Flask, session

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
