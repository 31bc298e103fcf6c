"""The Message model and the two operations that change a recipient's unread count."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, lock_user, utcnow
from ..extensions import db
from ..notifications.models import UNREAD_MESSAGE_COUNT, add_notification
from ..push import MESSAGE, UNREAD, publish
from ..users.models import User

BODY_MAX = 140


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (
        # A recipient's inbox newest first, and a recipient's unread count (id > watermark).
        sa.Index("ix_message_recipient_id_id", "recipient_id", "id"),
        # A sender's sent box newest first.
        sa.Index("ix_message_sender_id_id", "sender_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.String(BODY_MAX))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[sender_id], lazy="raise")
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Message {self.id}>"

    @staticmethod
    def received(user: User) -> sa.Select:
        """Messages `user` received, newest first, with their senders."""
        return (
            sa.select(Message)
            .where(Message.recipient_id == user.id)
            .options(sa.orm.joinedload(Message.author, innerjoin=True))
            .order_by(Message.id.desc())
        )

    @staticmethod
    def sent(user: User) -> sa.Select:
        """Messages `user` sent, newest first, with their recipients."""
        return (
            sa.select(Message)
            .where(Message.sender_id == user.id)
            .options(
                sa.orm.joinedload(Message.author, innerjoin=True),
                sa.orm.joinedload(Message.recipient, innerjoin=True),
            )
            .order_by(Message.id.desc())
        )

    @staticmethod
    def conversation(user: User, other: User) -> sa.Select:
        """Messages between two users, both ways, newest first."""
        return (
            sa.select(Message)
            .where(
                sa.or_(
                    sa.and_(Message.sender_id == user.id, Message.recipient_id == other.id),
                    sa.and_(Message.sender_id == other.id, Message.recipient_id == user.id),
                )
            )
            .options(sa.orm.joinedload(Message.author, innerjoin=True))
            .order_by(Message.id.desc())
        )


def count_unread(user_id: int, watermark: int) -> int:
    """Messages to `user_id` newer than the watermark: an index range over the unread ones only."""
    stmt = sa.select(sa.func.count()).where(Message.recipient_id == user_id, Message.id > watermark)
    return db.session.scalar(stmt)


def send_message(sender: User, recipient: User, body: str) -> Message:
    """Store a message and the recipient's new unread count in one transaction, then commit."""
    watermark = lock_user(recipient.id)
    message = Message(sender_id=sender.id, recipient_id=recipient.id, body=body)
    db.session.add(message)
    db.session.flush()
    add_notification(recipient.id, UNREAD_MESSAGE_COUNT, count_unread(recipient.id, watermark))
    publish(recipient.id, UNREAD, MESSAGE)  # delivered at commit (SPEC S13)
    if sender.id != recipient.id:
        publish(sender.id, MESSAGE)
    db.session.commit()
    return message


def mark_read(user: User, newest_shown_id: int) -> int:
    """Mark as read every message up to the newest one shown; commit and return the new unread count.

    Messages committed after the page was queried have higher ids (see database.lock_user) and stay
    unread. Writes nothing when the watermark does not move, and takes no lock when it cannot (the
    watermark only grows, so the value loaded with `user` is a lower bound of the stored one).
    """
    if newest_shown_id <= user.last_read_message_id:
        return user.unread_count
    watermark = lock_user(user.id)
    if newest_shown_id <= watermark:
        db.session.commit()
        return user.unread_count
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(last_read_message_id=newest_shown_id)
    )
    count = count_unread(user.id, newest_shown_id)
    add_notification(user.id, UNREAD_MESSAGE_COUNT, count)
    publish(user.id, UNREAD)  # the reader's other tabs drop their badge too
    db.session.commit()
    user.last_read_message_id = newest_shown_id
    user.unread_count = count
    return count
