"""Flask-Login wiring: loading the user (with the badge count) and answering anonymous requests."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..database import begin_write, utcnow
from ..extensions import db, login_manager
from ..htmx import HX_REDIRECT, current_url, is_htmx, wants_fragment
from ..unread.loader import load_user_with_counts
from ..users.models import User
from .session import parse_session_id


def new_csrf_token() -> None:
    """A new CSRF token for a new session, made now: one seen before signing in is worth nothing after, and
    tabs that draw their first page at the same moment share it (made by the first page, each tab would
    make its own and the browser's one cookie would keep only the last)."""
    session["csrf_token"] = secrets.token_hex(20)  # Flask-WTF's session field; each form gets it signed
    g.pop("csrf_token", None)


def load_user(token: str) -> User | None:
    """The signed-in user, with their stored counts on `g.counts`, in one statement."""
    parsed = parse_session_id(token)
    return None if parsed is None else load_user_with_counts(*parsed)


def safe_next(target: str | None) -> str | None:
    """A same-site path to go to after signing in, or None (absolute URLs, //host, /\\host refused)."""
    if not target or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def unauthorized():
    """Anonymous request to a page that needs a user: JSON 401, htmx 401 + HX-Redirect, else the login page."""
    from ..errors import error_response, wants_json

    if wants_json():
        return error_response(401)
    flash(login_manager.login_message, login_manager.login_message_category)  # shown on the sign-in page
    if is_htmx():
        back = safe_next(current_url())
        return error_response(401, headers={HX_REDIRECT: url_for("auth.login", next=back)})
    return redirect(url_for("auth.login", next=safe_next(request.full_path.rstrip("?"))))


def _touch_last_seen(response):
    """Refresh last_seen after a full page view, at most once a minute; never for polls or fragments."""
    if (
        request.method != "GET"
        or response.status_code != 200
        or response.mimetype != "text/html"
        or wants_fragment()
        or not current_user.is_authenticated
    ):
        return response
    resolution = timedelta(seconds=current_app.config["LAST_SEEN_RESOLUTION_SECONDS"])
    now = utcnow()
    if current_user.last_seen is not None and now - current_user.last_seen < resolution:
        return response
    # On the request's own connection (never a second one from the pool), in a fresh write transaction:
    # begin_write ends the read transaction first, so the UPDATE never upgrades it.
    user_id = current_user.id
    begin_write()
    db.session.execute(sa.update(User).where(User.id == user_id).values(last_seen=now))
    db.session.commit()
    return response


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.after_request(_touch_last_seen)
