"""Template helpers: times rendered server-side in the reader's locale."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from babel import Locale, dates
from flask import g
from flask_babel import get_locale
from markupsafe import Markup, escape

from .database import utcnow


@lru_cache(maxsize=4096)
def format_medium_datetime(value: datetime, locale: Locale) -> str:
    """Babel's medium date and time of a UTC `value` in `locale`.

    Every reader sees the same newest posts, so the recent answers are kept: Babel's formatting runs once per
    distinct time and locale (a pure function of its arguments, so the cache can never be stale).
    """
    return dates.format_datetime(value, "medium", tzinfo=timezone.utc, locale=locale)


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
    absolute = format_medium_datetime(value, locale) + " UTC"
    relative = dates.format_timedelta(value - _now(), add_direction=True, threshold=1.0, locale=locale)
    return Markup(f'<time datetime="{value.isoformat(timespec="seconds")}" title="{escape(absolute)}">'
                  f"{escape(relative)}</time>")


def badge_label(count: int) -> str:
    """What the badge shows: the count, or 99+."""
    return "99+" if count > 99 else str(count)
