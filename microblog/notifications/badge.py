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
from ..unread import badge_state

BADGE = "partials/notifications/badge.html"
ACTIVITY_BADGE = "partials/activity/badge.html"


def session_counts() -> tuple[int, int] | None:
    """The unread counts (messages, activity) for this session's user, or None for no valid session.

    Reads the signed session cookie directly: one query, no user object, nothing written; none when this
    process's memo can answer for certain (push/memo.py). Only a session restored from a "remember me"
    cookie goes through Flask-Login.
    """
    signed_in = session_user()
    if signed_in is not None:
        return get_push(current_app).remembered(*signed_in, lambda: badge_state(*signed_in))
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        if current_user.is_authenticated:
            return current_user.unread_count, current_user.activity_count
    return None


def shown_tag() -> str | None:
    """What the page shows, as it sent it back: "<messages>:<activity>" ("<messages>" from an older page
    that sends no `activity`: then activity is not compared); None when it sent nothing."""
    shown, activity = request.args.get("shown"), request.args.get("activity")
    return shown if activity is None or shown is None else f"{shown}:{activity}"


def counts_tag(counts: tuple[int, int]) -> str:
    """The counts in shown_tag()'s form: equal exactly when the page shows them."""
    return str(counts[0]) if request.args.get("activity") is None else f"{counts[0]}:{counts[1]}"


def news(counts: tuple[int, int], title: str | None) -> list[Part]:
    """The tab's <title>, the badge, and the activity badge out-of-band."""
    count, activity = counts
    return [
        (TITLE, {"title": title, "unread": count}),
        (BADGE, {"count": count, "activity": activity, "title": title}),
        (ACTIVITY_BADGE, {"count": activity, "oob": True}),
    ]


def stopped(title: str | None) -> list[Part]:
    """The tab's <title> without a count and a badge that does not poll (signed out, or the session ended)."""
    return [(TITLE, {"title": title, "unread": 0}), (BADGE, {"count": 0, "polling": False})]
