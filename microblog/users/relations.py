"""How two people stand (SPEC S14): who follows whom, who blocks whom, and who may message whom.

The follower table and `Block`, every question about them, and the four acts that change them (follow,
unfollow, block, unblock): each one whole write (`microblog.unread.locks.changing`) that takes its lock
itself, reads under it, writes and commits. A follow takes the followed user's lock (their activity count
changes; a block by them takes the same lock), a block or an unblock the blocker's: a follow of the blocker
waits for it, then sees the block. `refusal()` is asked by every send (`microblog.messages.acts.send`).
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..unread.activity import add_activity
from ..unread.locks import changing
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


def _summary_columns(user_id, viewer_id) -> tuple:
    """(followers, following, whether `viewer_id` follows) of `user_id` (a value or a column) as columns."""
    return (
        sa.select(sa.func.count()).select_from(followers).where(followers.c.followed_id == user_id).scalar_subquery(),
        sa.select(sa.func.count()).select_from(followers).where(followers.c.follower_id == user_id).scalar_subquery(),
        sa.exists().where(followers.c.follower_id == viewer_id, followers.c.followed_id == user_id),
    )


@functools.cache
def _follow_summary() -> sa.Select:
    """Built once: a profile binds the two ids (building the statement cost more than running it)."""
    return sa.select(*_summary_columns(sa.bindparam("user_id"), sa.bindparam("viewer_id")))


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


@functools.cache
def _someone() -> sa.Select:
    """Built once: someone else's profile or hover card binds the viewer's id and the name's key."""
    viewer_id = sa.bindparam("viewer_id", type_=sa.Integer)
    return sa.select(User, *_summary_columns(User.id, viewer_id), *relation_columns(viewer_id)).where(
        User.username_key == sa.bindparam("key")
    )


def someone(viewer_id: int, key: str) -> tuple[User, tuple[int, int, bool], tuple[bool, bool, bool]] | None:
    """The user whose name has `key` (names.lookup_key), with `follow_summary` and `relation` as seen by
    `viewer_id` (someone else), in one statement (they were three: ~0.15 ms a profile); None for nobody."""
    row = db.session.execute(_someone(), {"viewer_id": viewer_id, "key": key}).first()
    if row is None:
        return None
    return row[0], (row[1], row[2], bool(row[3])), (bool(row[4]), bool(row[5]), bool(row[6]))


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


# -- the acts ------------------------------------------------------------------------------------


class Blocked(Exception):
    """The person to follow blocks the follower: nothing was written."""


def follow(follower: User, followed: User) -> bool:
    """`follower` follows `followed`, who learns it once per pair ever (a follow-unfollow-follow notifies
    once); commit. False when already following. Raises `Blocked` when `followed` blocks `follower`."""
    if follower.id == followed.id:
        return False
    try:
        with changing(followed.id):  # their activity count: concurrent follows are counted exactly
            if blocks(followed.id, follower.id):  # read under the lock that blocking takes too
                raise Blocked
            if is_following(follower.id, followed.id):
                return False
            db.session.execute(sa.insert(followers).values(follower_id=follower.id, followed_id=followed.id))
            add_activity(followed.id, follower.id, FOLLOW)
    except IntegrityError:  # a double click raced itself: already following
        return False
    return True


def unfollow(follower: User, followed: User) -> bool:
    """`follower` stops following `followed`; commit. False when not following."""
    with changing():  # SQLite: the write lock up front (a read transaction cannot always upgrade)
        result = db.session.execute(
            sa.delete(followers).where(followers.c.follower_id == follower.id, followers.c.followed_id == followed.id)
        )
    return result.rowcount > 0


def block(blocker: User, blocked: User) -> None:
    """`blocker` blocks `blocked`: they cannot message, follow or mention-notify the blocker; their follow
    of the blocker ends. Commit; a no-op when blocked already."""
    with changing(blocker.id):  # the lock a follow of the blocker takes: none can slip in after the block
        if not blocks(blocker.id, blocked.id):
            db.session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id))
        db.session.execute(
            sa.delete(followers).where(followers.c.follower_id == blocked.id, followers.c.followed_id == blocker.id)
        )


def unblock(blocker: User, blocked: User) -> None:
    """`blocker` unblocks `blocked`; commit (a no-op when not blocked)."""
    with changing(blocker.id):
        db.session.execute(sa.delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked.id))
