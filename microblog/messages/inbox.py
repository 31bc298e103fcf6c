"""The conversation list's page (`GET /messages`): one statement, its rows as plain objects.

Rows of (membership, other person, last message, unread count) by the names the list's partials read
(partials/messages/conversation.html): ten rows of Member, User and Message entities cost the list ~0.26 ms
more than these (the ORM's identity map and instance state for 30 objects).
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..unread.watermark import unread_messages
from ..users.models import User, display_name
from .models import Member, Message, list_version


class ListedMember:
    """My membership of a listed conversation."""

    __slots__ = ("conversation_id", "other_id", "muted")

    def __init__(self, conversation_id: int, other_id: int, muted: bool):
        self.conversation_id, self.other_id, self.muted = conversation_id, other_id, muted


class ListedPerson:
    """The other person of a listed conversation."""

    __slots__ = ("id", "username", "deleted_at")

    def __init__(self, id: int, username: str, deleted_at: datetime | None):
        self.id, self.username, self.deleted_at = id, username, deleted_at

    @property
    def display_name(self) -> str:
        return display_name(self.username, self.deleted_at)


class ListedLast:
    """The last message of a listed conversation."""

    __slots__ = ("id", "sender_id", "body", "timestamp", "unsent")

    def __init__(self, id: int, sender_id: int, body: str, timestamp: datetime, unsent: bool):
        self.id, self.sender_id, self.body, self.timestamp, self.unsent = id, sender_id, body, timestamp, unsent


def _unread_in(member) -> sa.ScalarSelect:
    """Messages to the member after their watermark in this conversation (an index range)."""
    unread = sa.orm.aliased(Message)
    return (
        sa.select(sa.func.count())
        .select_from(unread)
        .where(unread_messages(member, unread))
        .correlate_except(unread)
        .scalar_subquery()
    )


@functools.cache
def _conversation_page() -> sa.Select:
    """The conversation list's statement, built once (every list view would rebuild the same expression
    tree): only `user_id`, `limit` and `offset` are bound per request."""
    user_id = sa.bindparam("user_id")
    ids = (
        sa.select(Member.conversation_id, Member.last_message_id)
        .where(Member.user_id == user_id, Member.last_message_id > Member.cleared_before_id)
        .order_by(Member.last_message_id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery("page")
    )
    member = (Member.conversation_id, Member.other_id, Member.muted)
    person = (User.id, User.username, User.deleted_at)
    last = (Message.id, Message.sender_id, Message.body, Message.timestamp, Message.unsent)
    return (
        sa.select(*member, *person, *last, _unread_in(Member), list_version(user_id))
        .select_from(ids)
        .join(Member, sa.and_(Member.conversation_id == ids.c.conversation_id, Member.user_id == user_id))
        .join(User, User.id == Member.other_id)
        .join(Message, Message.id == Member.last_message_id)
        .order_by(ids.c.last_message_id.desc())
    )


def conversation_list(user_id: int, page: int, per_page: int) -> tuple[list[tuple], bool, int | None]:
    """One page of `user_id`'s conversations, newest activity first, in one statement, and the list's state
    (the user's list version, `unread.state.list_state`, read in the same statement; None when the page is empty).

    Rows of (ListedMember, ListedPerson, ListedLast, unread count). The page's conversation ids come from the
    covering (user_id, last_message_id, cleared_before_id) index alone; only those rows are then joined
    to their membership (primary key), the other person and the last message (primary keys), and counted
    (an index range each).
    """
    params = {"user_id": user_id, "limit": per_page + 1, "offset": (page - 1) * per_page}
    rows = db.session.execute(_conversation_page(), params).all()
    state = rows[0][12] if rows else None
    listed = [
        (ListedMember(*row[0:3]), ListedPerson(*row[3:6]), ListedLast(*row[6:11]), row[11]) for row in rows[:per_page]
    ]
    return listed, len(rows) > per_page, state
