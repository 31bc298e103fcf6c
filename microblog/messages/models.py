"""Conversations (one per pair of users), each member's own state in it, and the messages.

Only the tables and read queries live here; every change to what somebody has unread (sending,
marking read, clearing) goes through `microblog.unread`.
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..users.models import User

BODY_MAX = 140


class Conversation(db.Model):
    """One per unordered pair of users: `user_low_id` < `user_high_id`."""

    __tablename__ = "conversation"
    __table_args__ = (
        sa.UniqueConstraint("user_low_id", "user_high_id", name="uq_conversation_pair"),
        sa.CheckConstraint("user_low_id < user_high_id", name="ck_conversation_ordered_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_low_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    user_high_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)


class Member(db.Model):
    """A user's own state in a conversation: what they have read, what they cleared, its newest message."""

    __tablename__ = "conversation_member"
    __table_args__ = (
        # Whose conversation with whom: the thread page and its poll find it by the pair.
        sa.UniqueConstraint("user_id", "other_id", name="uq_conversation_member_pair"),
        # A user's conversations, newest activity first (the conversation list), covering its filter.
        sa.Index("ix_conversation_member_user_id_last_message_id", "user_id", "last_message_id", "cleared_before_id",
                 "conversation_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Messages to this user with an id up to this one are read (a watermark by id, not by clock).
    last_read_message_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # "Delete for me": messages with an id up to this one are hidden from this user only.
    cleared_before_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The conversation's newest message (the same for both members), for ordering the list.
    last_message_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (
        # A thread, and its "earlier" pages: an index range in one conversation.
        sa.Index("ix_message_conversation_id_id", "conversation_id", "id"),
        # A member's unread count in one conversation, and the thread's poll: messages to them after an id.
        sa.Index("ix_message_conversation_id_recipient_id_id", "conversation_id", "recipient_id", "id"),
        sa.Index("ix_message_recipient_id_id", "recipient_id", "id"),
        sa.Index("ix_message_sender_id_id", "sender_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.String(BODY_MAX))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Message {self.id}>"


def ordered_pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def membership(user_id: int, other_id: int) -> Member | None:
    """`user_id`'s state in their conversation with `other_id`, or None when they never wrote."""
    return db.session.scalar(sa.select(Member).where(Member.user_id == user_id, Member.other_id == other_id))


def _unread_in(member) -> sa.ScalarSelect:
    """Messages to the member after their watermark in this conversation (an index range)."""
    unread = sa.orm.aliased(Message)
    return (
        sa.select(sa.func.count())
        .select_from(unread)
        .where(
            unread.conversation_id == member.conversation_id,
            unread.recipient_id == member.user_id,
            unread.id > member.last_read_message_id,
        )
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
    return (
        sa.select(Member, User, Message, _unread_in(Member))
        .select_from(ids)
        .join(Member, sa.and_(Member.conversation_id == ids.c.conversation_id, Member.user_id == user_id))
        .join(User, User.id == Member.other_id)
        .join(Message, Message.id == Member.last_message_id)
        .order_by(ids.c.last_message_id.desc())
    )


def conversation_list(user_id: int, page: int, per_page: int) -> tuple[list[tuple], bool]:
    """One page of `user_id`'s conversations, newest activity first, in one statement.

    Rows of (Member, other User, last Message, unread count). The page's conversation ids come from the
    covering (user_id, last_message_id, cleared_before_id) index alone; only those rows are then joined
    to their membership (primary key), the other person and the last message (primary keys), and counted
    (an index range each).
    """
    params = {"user_id": user_id, "limit": per_page + 1, "offset": (page - 1) * per_page}
    rows = [tuple(row) for row in db.session.execute(_conversation_page(), params)]
    return rows[:per_page], len(rows) > per_page


def thread(member: Member, *, before: int | None = None, limit: int) -> tuple[list[Message], bool]:
    """Up to `limit` visible messages of the member's conversation older than `before` (or the newest),
    oldest first, and whether there are earlier ones."""
    stmt = sa.select(Message).where(
        Message.conversation_id == member.conversation_id, Message.id > member.cleared_before_id
    )
    if before is not None:
        stmt = stmt.where(Message.id < before)
    rows = list(db.session.scalars(stmt.order_by(Message.id.desc()).limit(limit + 1)))
    return rows[:limit][::-1], len(rows) > limit


def received_after(member: Member, after: int, limit: int) -> list[Message]:
    """Messages to the member in this conversation after `after`, oldest first (the thread's poll)."""
    stmt = (
        sa.select(Message)
        .where(
            Message.conversation_id == member.conversation_id,
            Message.recipient_id == member.user_id,
            Message.id > max(after, member.cleared_before_id),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
