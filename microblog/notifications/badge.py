"""The navbar badge's poll state: the session's counts and the tags a page sends back (`shown`, `activity`).

Shared by the badge poll (notifications/views.py) and `/events` (push/views.py), which decides with the same
rule whether a (re)connecting stream must tell the badge to refetch.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from ..auth.session import session_user
from ..htmx import TITLE, Part
from ..push import get_push
from ..unread.counts import Counts, current_counts
from ..unread.loader import badge_state

BADGE = "partials/notifications/badge.html"


def session_counts() -> Counts | None:
    """The navbar's counts for this session's user, or None for no valid session.

    Reads the signed session cookie directly: one query, no user object, nothing written; none when this
    process's memo can answer for certain (push/memo.py). Only a session restored from a "remember me"
    cookie goes through Flask-Login.
    """
    signed_in = session_user()
    if signed_in is not None:
        return get_push(current_app).remembered(*signed_in, lambda: badge_state(*signed_in))
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        if current_user.is_authenticated:
            return current_counts()
    return None


def shown_tag() -> str | None:
    """What the page shows, as it sent it back (`Counts.as_shown()` names: "shown" for messages, "activity",
    ...); None when it sent no `shown`. A count the page does not send (an older page) is not compared."""
    if request.args.get("shown") is None:
        return None
    return "&".join(f"{name}={request.args[name]}" for name in Counts().as_shown() if name in request.args)


def counts_tag(counts: Counts) -> str:
    """The counts in shown_tag()'s form, over the names the page sent: equal exactly when it shows them."""
    return "&".join(f"{name}={value}" for name, value in counts.as_shown().items() if name in request.args)


def news(counts: Counts, title: str | None) -> list[Part]:
    """The tab's <title>, the badge, and every other navbar count's badge out-of-band."""
    parts = [
        (TITLE, {"title": title, "unread": counts.messages}),
        (BADGE, {"count": counts.messages, "counts": counts, "title": title}),
    ]
    parts += [(shown_as["badge"], {"count": value, "oob": True}) for _name, value, shown_as in counts.navbar()[1:]]
    return parts


def stopped(title: str | None) -> list[Part]:
    """The tab's <title> without a count and a badge that does not poll (signed out, or the session ended)."""
    return [(TITLE, {"title": title, "unread": 0}), (BADGE, {"count": 0, "counts": Counts(), "polling": False})]
