"""Notifications: one row per (user, name) holding the latest value, read by polls and API clients."""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import lock_user
from ..extensions import db
from ..users.models import User

UNREAD_MESSAGE_COUNT = "unread_message_count"


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

    Runs under the user's lock, and stamps strictly after the user's previous notification, so a client
    that polls `?since=<last timestamp>` never skips one committed later (SPEC S11 item 4), even when
    app servers' clocks disagree.
    """
    lock_user(user_id)
    previous = db.session.scalar(
        sa.select(sa.func.max(Notification.timestamp)).where(Notification.user_id == user_id)
    )
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


# Built once: a poll pays only for binding `user_id` and running the cached compiled statement.
_BADGE_STATE = (
    sa.select(User.session_token, Notification.payload_json)
    .outerjoin(
        Notification,
        sa.and_(Notification.user_id == User.id, Notification.name == UNREAD_MESSAGE_COUNT),
    )
    .where(User.id == sa.bindparam("user_id"))
)


def badge_state(user_id: int, session_token: str) -> int | None:
    """The stored unread count for a valid session, in one query; None when the session is not valid.

    This is the whole database cost of a badge poll: the user's session token (to honour sign-outs
    and password changes) and the stored count, joined in one statement (the user's primary key and
    the unique (user_id, name) index). It runs as a Core statement: no ORM entities, no identity map,
    nothing loaded but two strings. On PostgreSQL it runs in autocommit: one round trip for the query,
    no BEGIN before it and no ROLLBACK after it (a single statement is consistent on its own).
    """
    engine = db.engine  # looked up once: this runs on every poll
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            row = conn.execute(_BADGE_STATE, {"user_id": user_id}).first()
    else:
        # SQLite: in-process, a BEGIN costs next to nothing; our BEGIN handling (database.py) stays simple.
        row = db.session.connection().execute(_BADGE_STATE, {"user_id": user_id}).first()
    if row is None or row[0] != session_token:
        return None
    return int(json.loads(row[1])) if row[1] is not None else 0
