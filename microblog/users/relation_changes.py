"""Follow, unfollow, block, unblock (SPEC S14): each one whole write (`microblog.writes.changing`) that takes
its lock itself, reads under it, writes and commits. A follow takes the followed user's lock (their activity
count changes; a block by them takes the same lock), a block or an unblock the blocker's: a follow of the
blocker waits for it, then sees the block. What they change, and every question about it: relations.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..unread import add_activity
from ..writes import changing
from .models import User
from .relations import FOLLOW, Block, blocks, followers, is_following


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
