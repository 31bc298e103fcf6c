"""Template helpers: times rendered server-side in the reader's locale."""

from __future__ import annotations

from datetime import datetime, timezone

from babel import dates
from flask import g
from flask_babel import get_locale
from markupsafe import Markup, escape

from .database import utcnow

_TIMETAG = Markup('<time datetime="{}" title="{}">{}</time>')


def _now() -> datetime:
    """"Now", once per request: every time on a page is relative to the same instant."""
    now = g.get("_timetag_now")
    if now is None:
        now = g._timetag_now = utcnow()
    return now


def timetag(value: datetime) -> Markup:
    """`<time datetime="ISO 8601 with offset" title="absolute">relative, e.g. 3 minutes ago</time>`."""
    if value is None:
        return Markup("")
    locale = get_locale()  # Flask-Babel's per-request value (force_locale() changes it)
    absolute = dates.format_datetime(value, "medium", tzinfo=timezone.utc, locale=locale) + " UTC"
    relative = dates.format_timedelta(value - _now(), add_direction=True, threshold=1.0, locale=locale)
    return _TIMETAG.format(value.isoformat(timespec="seconds"), escape(absolute), escape(relative))


def badge_label(count: int) -> str:
    """What the badge shows: the count, or 99+."""
    return "99+" if count > 99 else str(count)
