"""Notifications: one row per (user, name) holding the latest value, read by polls and API clients."""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

UNREAD_MESSAGE_COUNT = "unread_message_count"
UNREAD_ACTIVITY_COUNT = "unread_activity_count"


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "name", name="uq_notification_user_id_name"),
        sa.Index("ix_notification_user_id_timestamp", "user_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    timestamp: Mapped[float] = mapped_column(sa.Float)
    payload_json: Mapped[str] = mapped_column(sa.Text)

    def get_data(self) -> Any:
        return json.loads(self.payload_json)

    def as_dict(self) -> dict:
        return {"name": self.name, "data": self.get_data(), "timestamp": self.timestamp}


def add_notification(user_id: int, name: str, data: Any) -> Notification:
    """Replace the user's notification called `name` (no commit).

    The caller holds the user's lock (`microblog.unread.locks.lock_user`), and this stamps strictly after the user's previous notification, so a client
    that polls `?since=<last timestamp>` never skips one committed later (SPEC S11 item 4), even when
    app servers' clocks disagree.
    """
    previous = db.session.scalar(sa.select(sa.func.max(Notification.timestamp)).where(Notification.user_id == user_id))
    stamp = time.time()
    if previous is not None and stamp <= previous:
        stamp = previous + 1e-6
    payload = json.dumps(data)
    notification = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == user_id, Notification.name == name)
    )
    if notification is None:
        notification = Notification(user_id=user_id, name=name, timestamp=stamp, payload_json=payload)
        db.session.add(notification)
    else:
        notification.timestamp = stamp
        notification.payload_json = payload
    db.session.flush()
    return notification


def notifications_since(user_id: int, since: float) -> list[Notification]:
    """The user's notifications stamped after `since`, oldest first."""
    stmt = (
        sa.select(Notification)
        .where(Notification.user_id == user_id, Notification.timestamp > since)
        .order_by(Notification.timestamp)
    )
    return list(db.session.scalars(stmt))
