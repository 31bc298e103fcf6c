"""The SQLite fan-out log: what publish() tells other processes on one host (PostgreSQL uses NOTIFY)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

KEEP_ROWS = 4096  # a watcher reads new rows every 50 ms; older ones are pruned now and then


class PushEvent(db.Model):
    __tablename__ = "push_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.Integer)  # no foreign key: a log, read once, pruned
    name: Mapped[str] = mapped_column(sa.String(64))  # "unread,message": the events, comma-separated


def append(user_id: int, names: str) -> None:
    """Add one row in the session's transaction; every 256th row prunes the old ones."""
    new_id = db.session.execute(
        sa.insert(PushEvent).values(user_id=user_id, name=names).returning(PushEvent.id)
    ).scalar_one()
    if new_id % 256 == 0:
        db.session.execute(sa.delete(PushEvent).where(PushEvent.id <= new_id - KEEP_ROWS))
