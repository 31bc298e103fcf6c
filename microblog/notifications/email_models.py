"""Email about unread messages (SPEC S18): each user's choice, and each email we owe, claimed and sent once."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

AT_ONCE, DAILY, NEVER = "instant", "daily", "never"
CHOICES = (AT_ONCE, DAILY, NEVER)


class EmailPreference(db.Model):
    """A user's email choice and language (no row: at once, in English). The locale is stored when they
    use the site in another language, so a job (no request, no browser) writes in theirs."""

    __tablename__ = "email_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    unread: Mapped[str] = mapped_column(sa.String(16), default=AT_ONCE, server_default=AT_ONCE)
    locale: Mapped[Optional[str]] = mapped_column(sa.String(8))


class UnreadEmail(db.Model):
    """One email we owe: a conversation burst (`burst:<user>:<conversation>:<first message id>`) or a day's
    digest (`digest:<user>:<date>`). `key` is unique, so any number of scans on any number of hosts owe it
    once; a worker claims it (`claimed_until`, a lease) before sending and marks it `sent` after."""

    __tablename__ = "unread_email"
    __table_args__ = (
        sa.Index("ix_unread_email_state_due_at", "state", "due_at"),
        sa.Index("ix_unread_email_user_id_conversation_id", "user_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    conversation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("conversation.id", ondelete="CASCADE"))
    # The burst: messages to the user in the conversation with ids in [first_message_id, last_message_id].
    first_message_id: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_message_id: Mapped[int] = mapped_column(sa.Integer, default=0)
    # pending -> sent | dropped (read, unsent, muted, no address) | failed (gave up after retries)
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
