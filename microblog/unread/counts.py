"""The totals: counted from the data under the user's lock, stored as notifications, read as `Counts`.

`Counts` is the navbar's counts for one user, one field each. A field names the notification its total is
stored as and how the navbar shows it; the loader and the badge's poll read every field in one statement,
the navbar partial shows every field, and the badge's one poll answers every field. A third navbar count is
one more field here (and the act that stores its total).
"""

from __future__ import annotations

import dataclasses
import functools
import json

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l

from ..activity.models import Activity
from ..extensions import db
from ..messages.models import Member, Message
from ..notifications.models import UNREAD_ACTIVITY_COUNT, UNREAD_MESSAGE_COUNT, add_notification
from ..users.models import User
from .watermark import unread_messages


def count(notification: str, *, link: str, label, badge: str, status: str):
    """A `Counts` field: its stored notification, the navbar link's endpoint and label, its badge partial
    (it gets `count` and `counts`) and the id of the live region around it."""
    return dataclasses.field(
        default=0,
        metadata={"notification": notification, "link": link, "label": label, "badge": badge, "status": status},
    )


@dataclasses.dataclass(frozen=True)
class Counts:
    """The signed-in user's stored totals, as the loader read them (`g.counts`); 0 when none is stored."""

    messages: int = count(
        UNREAD_MESSAGE_COUNT,
        link="messages.messages",
        label=_l("Messages"),
        badge="partials/notifications/badge.html",
        status="message-status",
    )
    activity: int = count(
        UNREAD_ACTIVITY_COUNT,
        link="activity.activity",
        label=_l("Activity"),
        badge="partials/activity/badge.html",
        status="activity-status",
    )

    @classmethod
    def stored(cls) -> tuple[tuple[str, str], ...]:
        """(field, notification name) of every count, in the navbar's order."""
        return tuple((f.name, f.metadata["notification"]) for f in dataclasses.fields(cls))

    @classmethod
    def from_payloads(cls, payloads) -> Counts:
        """From the stored notifications' payloads, in `stored()` order (None: nothing stored, 0)."""
        return cls(*(int(json.loads(p)) if p is not None else 0 for p in payloads))

    def navbar(self) -> list[tuple[str, int, dict]]:
        """(field, value, the field's metadata) of every count, for the navbar partial."""
        return [(f.name, getattr(self, f.name), f.metadata) for f in dataclasses.fields(self)]

    def as_shown(self) -> dict[str, int]:
        """What a page sends back as the counts it shows (the badge's hx-vals, the stream's URL): the first
        count as `shown`, the others under their field names."""
        return {shown: getattr(self, name) for shown, name in _shown_names(type(self))}

    def shown(self, args) -> bool:
        """Whether the client shows these counts (`as_shown()` names; one absent, from a page older than that
        count, is not compared)."""
        return all(args.get(k, str(v) if k != "shown" else None) == str(v) for k, v in self.as_shown().items())


@functools.cache
def _shown_names(counts: type[Counts]) -> tuple[tuple[str, str], ...]:
    """(name in as_shown(), field) of every count of `counts`, worked out once a class: every badge poll asks
    twice (a class with another count, as tests/unread/test_counts.py makes, gets its own)."""
    return tuple(("shown" if i == 0 else f.name, f.name) for i, f in enumerate(dataclasses.fields(counts)))


def total_unread(user_id: int) -> int:
    """Unread messages over all the user's conversations: one index range per conversation."""
    stmt = (
        sa.select(sa.func.count())
        .select_from(Member)
        .join(Message, unread_messages(Member, Message))
        # Muted conversations count in their own row, not in the badge (SPEC S17).
        # Only conversations with something newer than the watermark are probed (last_message_id never
        # goes down, and is stored with every message in the message's own transaction).
        .where(Member.user_id == user_id, Member.last_message_id > Member.last_read_message_id, Member.muted.is_(False))
    )
    return db.session.scalar(stmt)


def total_activity(user_id: int) -> int:
    """The user's activity above their watermark (`user.activity_read_id`)."""
    read_id = sa.select(User.activity_read_id).where(User.id == user_id).scalar_subquery()
    stmt = sa.select(sa.func.count()).select_from(Activity).where(Activity.user_id == user_id, Activity.id > read_id)
    return db.session.scalar(stmt)


def store_total(user_id: int) -> int:
    """Count the user's unread messages and store the total (under their lock); the total."""
    total = total_unread(user_id)
    add_notification(user_id, UNREAD_MESSAGE_COUNT, total)
    return total


def store_activity_total(user_id: int) -> int:
    """Count the user's unread activity and store the total (under their lock); the total."""
    total = total_activity(user_id)
    add_notification(user_id, UNREAD_ACTIVITY_COUNT, total)
    return total


def shows(user_id: int, **totals: int) -> None:
    """After an act changed the signed-in user's totals in this request: the page renders the new ones
    (`g.counts`, set by the loader for `g.counts_user_id`). Nothing for anyone else, or outside a request."""
    if has_app_context() and g.get("counts_user_id") == user_id:
        g.counts = dataclasses.replace(g.counts, **totals)


def current_counts() -> Counts:
    """The signed-in user's counts as this request shows them (`g.counts`); zeros when the loader did not run
    (signed out, or signed in by this very request)."""
    counts = g.get("counts") if has_app_context() else None
    return counts if counts is not None else Counts()
