"""Template helpers: times rendered server-side in the reader's locale."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime, format_timedelta
from markupsafe import Markup, escape

from .database import utcnow


def timetag(value: datetime) -> Markup:
    """`<time datetime="ISO 8601 with offset" title="absolute">relative, e.g. 3 minutes ago</time>`."""
    if value is None:
        return Markup("")
    absolute = format_datetime(value, "medium") + " UTC"
    relative = format_timedelta(value - utcnow(), add_direction=True, threshold=1.0)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.isoformat(timespec="seconds"), escape(absolute), escape(relative)
    )


def badge_label(count: int) -> str:
    """What the badge shows: the count, or 99+."""
    return "99+" if count > 99 else str(count)
