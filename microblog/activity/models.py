"""Activity events (a new follower, a mention) and blocks between users (SPEC S14).

An event is stored once per (recipient, kind, actor, post): a follow-unfollow-follow notifies once, and
a post mentioning someone twice notifies them once. Follows use post_id 0. What is unread is derived:
the recipient's events with an id above `user.activity_read_id` (see microblog.unread).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..users.models import User
from ..users.names import MENTION_RE, USERNAME_MAX, username_key

FOLLOW = "follow"
MENTION = "mention"
KINDS = (FOLLOW, MENTION)

# At most this many distinct people are notified by one post: a flood of mentions stays cheap.
MAX_MENTIONS = 10


def mentioned_names(body: str) -> list[str]:
    """The distinct names (case-insensitive, first spelling kept) mentioned in `body`, in order."""
    seen: dict[str, str] = {}
    for match in MENTION_RE.finditer(body or ""):
        name = match.group(1)
        if len(name) <= USERNAME_MAX:
            seen.setdefault(username_key(name), name)
    return list(seen.values())


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


class Block(db.Model):
    __tablename__ = "block"
    __table_args__ = (sa.Index("ix_block_blocked_id", "blocked_id"),)

    blocker_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


def blocks(blocker_id: int, blocked_id: int) -> bool:
    """Whether `blocker_id` blocks `blocked_id`."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None


def blocked_users(blocker_id: int) -> list[User]:
    """The people `blocker_id` blocks, by name."""
    stmt = (
        sa.select(User)
        .join(Block, Block.blocked_id == User.id)
        .where(Block.blocker_id == blocker_id)
        .order_by(User.username_key)
    )
    return list(db.session.scalars(stmt))
