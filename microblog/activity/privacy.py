"""Who may message whom (SPEC S14): the recipient's setting and blocks, in one place for every path."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..users.models import User, followers
from .models import Block

EVERYONE, FOLLOWING, NOBODY = "everyone", "following", "nobody"


def relation(viewer_id: int, user_id: int) -> tuple[bool, bool, bool]:
    """(viewer blocks user, user blocks viewer, user follows viewer), in one statement."""
    row = db.session.execute(
        sa.select(
            sa.exists().where(Block.blocker_id == viewer_id, Block.blocked_id == user_id),
            sa.exists().where(Block.blocker_id == user_id, Block.blocked_id == viewer_id),
            sa.exists().where(followers.c.follower_id == user_id, followers.c.followed_id == viewer_id),
        )
    ).one()
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
