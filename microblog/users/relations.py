"""How two people stand (SPEC S14): who follows whom, who blocks whom, and who may message whom.

The follower table and `Block`, and every question about them. The four operations that change them
(follow, unfollow, block, unblock) are in relation_changes.py: they write through microblog.unread (the
lock, the new follower's activity), which asks `refusal()` here on every send, so they cannot live here.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import User

FOLLOW = "follow"  # the activity kind of a new follower (post_id 0)
EVERYONE, FOLLOWING, NOBODY = "everyone", "following", "nobody"  # `User.message_policy`

followers = sa.Table(
    "followers",
    db.metadata,
    sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_followers_followed_id", "followed_id"),
)


class Block(db.Model):
    __tablename__ = "block"
    __table_args__ = (sa.Index("ix_block_blocked_id", "blocked_id"),)

    blocker_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)


# -- reading -------------------------------------------------------------------------------------


def is_following(follower_id: int, followed_id: int) -> bool:
    stmt = sa.select(followers.c.follower_id).where(
        followers.c.follower_id == follower_id, followers.c.followed_id == followed_id
    )
    return db.session.scalar(stmt) is not None


@functools.cache
def _follow_summary() -> sa.Select:
    """Built once: a profile binds the two ids (building the statement cost more than running it)."""
    user_id, viewer_id = sa.bindparam("user_id"), sa.bindparam("viewer_id")
    return sa.select(
        sa.select(sa.func.count()).select_from(followers).where(followers.c.followed_id == user_id).scalar_subquery(),
        sa.select(sa.func.count()).select_from(followers).where(followers.c.follower_id == user_id).scalar_subquery(),
        sa.exists().where(followers.c.follower_id == viewer_id, followers.c.followed_id == user_id),
    )


def follow_summary(user: User, viewer_id: int | None = None) -> tuple[int, int, bool]:
    """(followers, following, whether `viewer_id` follows `user`) in one statement."""
    viewer = 0 if viewer_id is None or viewer_id == user.id else viewer_id  # 0: nobody, so "no"
    row = db.session.execute(_follow_summary(), {"user_id": user.id, "viewer_id": viewer}).one()
    return row[0], row[1], bool(row[2])


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


@functools.cache
def _relation() -> sa.Select:
    """Built once: a page that asks binds the two ids (building the statement cost more than running it)."""
    viewer_id, user_id = sa.bindparam("viewer_id"), sa.bindparam("user_id")
    return sa.select(
        sa.exists().where(Block.blocker_id == viewer_id, Block.blocked_id == user_id),
        sa.exists().where(Block.blocker_id == user_id, Block.blocked_id == viewer_id),
        sa.exists().where(followers.c.follower_id == user_id, followers.c.followed_id == viewer_id),
    )


def relation(viewer_id: int, user_id: int) -> tuple[bool, bool, bool]:
    """(viewer blocks user, user blocks viewer, user follows viewer), in one statement."""
    row = db.session.execute(_relation(), {"viewer_id": viewer_id, "user_id": user_id}).one()
    return bool(row[0]), bool(row[1]), bool(row[2])


def relation_columns(viewer_id: int):
    """The three facts of `relation()` as columns correlated to `User`, to select with many users at once."""
    return (
        sa.exists().where(Block.blocker_id == viewer_id, Block.blocked_id == User.id),
        sa.exists().where(Block.blocker_id == User.id, Block.blocked_id == viewer_id),
        sa.exists().where(followers.c.follower_id == User.id, followers.c.followed_id == viewer_id),
    )


def refusal(sender: User, recipient: User, rel: tuple[bool, bool, bool] | None = None) -> str | None:
    """Why `sender` may not message `recipient` now, or None when they may. Existing conversations
    follow the current setting: this is asked on every send."""
    _i_block, blocks_me, follows_me = rel if rel is not None else relation(sender.id, recipient.id)
    if blocks_me:
        return _("You can't message this user.")
    if recipient.message_policy == NOBODY:
        return _("%(username)s does not accept messages.", username=recipient.username)
    if recipient.message_policy == FOLLOWING and not follows_me:
        return _("%(username)s accepts messages only from people they follow.", username=recipient.username)
    return None
