"""Conversations (one per pair of users), each member's own state in it, and the messages.

Only the tables and read queries live here; the acts that write messages are in acts.py, marking read in
`microblog.unread.reads`, and what counts as unread is `microblog.unread.watermark.unread_messages`.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

BODY_MAX = 1000
EDIT_MINUTES = 15  # an author may edit a message this long after sending it
# The fixed set of reactions: stored name -> what is shown (SPEC S17).
REACTIONS = {"like": "👍", "love": "❤️", "laugh": "😂", "wow": "😮", "sad": "😢", "thanks": "🙏"}


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
    # Grows with every change an open thread must show (a message, an edit, an unsend, a reaction, a read):
    # the thread's poll compares it with the one it showed (one indexed read, 204 when equal).
    version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class Member(db.Model):
    """A user's own state in a conversation: what they have read, what they cleared, its newest message."""

    __tablename__ = "conversation_member"
    __table_args__ = (
        # Whose conversation with whom: the thread page and its poll find it by the pair.
        sa.UniqueConstraint("user_id", "other_id", name="uq_conversation_member_pair"),
        # A user's conversations, newest activity first (the conversation list), covering its filter.
        sa.Index(
            "ix_conversation_member_user_id_last_message_id",
            "user_id",
            "last_message_id",
            "cleared_before_id",
            "conversation_id",
        ),
    )

    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # Messages to this user with an id up to this one are read (a watermark by id, not by clock).
    last_read_message_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # "Delete for me": messages with an id up to this one are hidden from this user only.
    cleared_before_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The conversation's newest message (the same for both members), for ordering the list.
    last_message_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # Muted: its messages count in the row but not in the badge, and push no badge event.
    muted: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # "Seen": the newest message to this user they have opened, and when (mark-as-unread leaves it).
    seen_message_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    seen_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (
        # A thread, and its "earlier" pages: an index range in one conversation.
        sa.Index("ix_message_conversation_id_id", "conversation_id", "id"),
        # A member's unread count in one conversation, and the thread's poll: messages to them after an id.
        sa.Index("ix_message_conversation_id_recipient_id_id", "conversation_id", "recipient_id", "id"),
        sa.Index("ix_message_recipient_id_id", "recipient_id", "id"),
        sa.Index("ix_message_sender_id_id", "sender_id", "id"),
        # The thread's poll: the messages of one conversation changed after the version it showed.
        sa.Index("ix_message_conversation_id_version", "conversation_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.String(BODY_MAX))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    # Unsent by its author: the body is emptied, both sides see "This message was deleted", it counts nowhere.
    unsent: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # The conversation's version at this message's last change (0: never changed since sent).
    version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<Message {self.id}>"


class Reaction(db.Model):
    """One person's reaction to a message (at most one each: pressing another replaces it)."""

    __tablename__ = "message_reaction"

    message_id: Mapped[int] = mapped_column(sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    name: Mapped[str] = mapped_column(sa.String(16))


class ListVersion(db.Model):
    """What a user's conversation list shows, as a counter: `versions.bump` adds 1 for both members in the
    transaction that changes any conversation (a message, a read, an unsend, an edit, a reaction, a mute, a
    delete). The list's poll reads this one row (no row yet: 0) instead of summing every conversation's version."""

    __tablename__ = "conversation_list_version"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class Hidden(db.Model):
    """A message one member deleted for themselves (the other still sees it)."""

    __tablename__ = "message_hidden"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True, index=True
    )


def ordered_pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@functools.cache
def _membership() -> sa.Select:
    """Built once, as every statement a thread runs (building one cost about as much as running it)."""
    return (
        sa.select(Member, Conversation.version)
        .join(Conversation, Conversation.id == Member.conversation_id)
        .where(Member.user_id == sa.bindparam("user_id"), Member.other_id == sa.bindparam("other_id"))
    )


def membership(user_id: int, other_id: int) -> Member | None:
    """`user_id`'s state in their conversation with `other_id`, or None when they never wrote; with the
    conversation's version as read in the same statement (`member.version`, for the thread's poll)."""
    row = db.session.execute(_membership(), {"user_id": user_id, "other_id": other_id}).first()
    if row is None:
        return None
    row[0].version = row[1]
    return row[0]


def list_version(user_id) -> sa.ScalarSelect:
    """The user's list version (`ListVersion`) as a column: one primary-key read, 0 before any change."""
    return sa.func.coalesce(sa.select(ListVersion.version).where(ListVersion.user_id == user_id).scalar_subquery(), 0)


def received_after(member: Member, after: int, limit: int) -> list[Message]:
    """Messages to the member in this conversation after `after`, oldest first (the thread's poll), but those
    they deleted for themselves (the newest shown is `after`: a newer one deleted for me is not news)."""
    stmt = (
        sa.select(Message)
        .where(
            Message.conversation_id == member.conversation_id,
            Message.recipient_id == member.user_id,
            Message.id > max(after, member.cleared_before_id),
            ~sa.exists().where(Hidden.user_id == member.user_id, Hidden.message_id == Message.id),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
