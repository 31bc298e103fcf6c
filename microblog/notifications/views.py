"""The live badge (an HTML fragment that polls itself) and the tutorial's JSON notifications feed."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.login import parse_session_id
from ..errors import json_errors
from ..htmx import TITLE, answer, mark_poll, nothing_new, render_standalone, stop_polling
from ..unread.counts import Counts, current_counts
from ..unread.loader import badge_state
from .models import notifications_since

bp = Blueprint("notifications", __name__)

MAX_SINCE = 4_102_444_800.0  # 2100-01-01: later cursors are mistakes
MAX_TITLE = 200  # the page's title that the badge sends back (hx-vals "title"); longer is not ours


def page_title() -> str | None:
    """The page's own title the badge sent (for the tab's <title>, SPEC S18); 400 when absurdly long."""
    title = request.args.get("title") or None
    if title is not None and len(title) > MAX_TITLE:
        abort(400, description=_("'title' must be at most %(max)d characters.", max=MAX_TITLE))
    return title


def stopped_badge(title: str | None = None):
    """286 and a badge that does not poll: htmx stops polling (signed out, or the session ended)."""
    body = render_standalone(TITLE, title=title, unread=0)
    return stop_polling(body + render_standalone("partials/notifications/badge.html", count=0, polling=False))


def _session_count() -> Counts | None:
    """The navbar's counts for this session's user, or None for no valid session.

    Reads the signed session cookie directly: one query, no user object, nothing written. Only a
    session restored from a "remember me" cookie goes through Flask-Login.
    """
    parsed = parse_session_id(session.get("_user_id"))
    if parsed is not None:
        return badge_state(*parsed)
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        if current_user.is_authenticated:
            return current_counts()
    return None


@bp.get("/notifications/badge")
def badge():
    """The badge partial and the activity badge out-of-band; 204 when both counts equal what the client
    shows (`shown` for messages, `activity`; an absent `activity` is not compared); 286 when signed out.
    A changed answer starts with the tab's <title> ("(3) Home · Microblog", from the `title` the badge sent)."""
    mark_poll()
    counts = _session_count()
    if counts is None:
        return stopped_badge(page_title())
    if counts.shown(request.args):
        return nothing_new()
    title = page_title()
    body = render_standalone(TITLE, title=title, unread=counts.messages)
    body += render_standalone("partials/notifications/badge.html", count=counts.messages, counts=counts, title=title)
    for _name, value, shown_as in counts.navbar()[1:]:  # every other navbar count, out-of-band
        body += render_standalone(shown_as["badge"], count=value, oob=True)
    return answer(body)


def parse_since(raw: str | None) -> float:
    """The `since` cursor: 0 when absent, 400 unless a finite number from 0 to year 2100."""
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw) if len(raw) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= MAX_SINCE:
        abort(400, description=_("'since' must be a number of seconds from 0 to %(max)d.", max=int(MAX_SINCE)))
    return value


@bp.get("/notifications")
@json_errors
@login_required
def notifications():
    """JSON: the caller's notifications newer than `since`, oldest first."""
    since = parse_since(request.args.get("since"))
    rows = notifications_since(current_user.id, since)
    return jsonify([n.as_dict() for n in rows])
