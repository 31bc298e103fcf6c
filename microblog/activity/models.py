"""Activity events (a new follower, a mention, an export ready) for the activity page (SPEC S14).

An event is stored once per (recipient, kind, actor, post): a follow-unfollow-follow notifies once, and
a post mentioning someone twice notifies them once. Follows use post_id 0. The kinds are named where the
events come from (`users.relations.FOLLOW`, `posts.mentions.MENTION`, `export.exports.EXPORT`), and they are
written and removed through microblog.unread, which stores the counts. What is unread is derived: the
recipient's events with an id above `user.activity_read_id`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..users.models import User


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "actor_id", "post_id", name="uq_activity_once"),
        sa.Index("ix_activity_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    post_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined", innerjoin=True)
