"""The live badge (an HTML fragment that polls itself) and the tutorial's JSON notifications feed."""

from __future__ import annotations

import math

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import json_errors
from ..htmx import poll
from .badge import counts_tag, news, session_counts, shown_tag, stopped
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


@bp.get("/notifications/badge")
def badge():
    """The badge partial and the activity badge out-of-band; 204 when both counts equal what the client
    shows (`shown` for messages, `activity`; an absent `activity` is not compared); 286 when signed out.
    A changed answer starts with the tab's <title> ("(3) Home · Microblog", from the `title` the badge sent)."""
    return poll(
        session_counts,
        counts_tag,
        shown_tag(),
        news=lambda counts: news(counts, page_title()),
        stopped=lambda: stopped(page_title()),
    )


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
