"""Deleting an account (SPEC S19): everything of the person goes at once, but for what others keep.

The user's row stays as a *tombstone*: its name (and the name's key) stay taken, so nobody can take the
name over and old @mentions never point at a newcomer; its messages stay in the other people's
conversations, shown as from "Deleted account" (`User.display_name`), and their unread counts do not
move (messages are not touched). Everything else goes: profile, address, password, two-factor, posts,
follows both ways, blocks both ways, activity by and for the person, their notifications, and every
session and push stream (a new session token ends them).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..database import utcnow
from ..extensions import db
from ..notifications.models import Notification
from ..posts.models import Post
from ..unread.activity import remove_activity_of
from ..unread.locks import changing
from .models import RecoveryCode, User, new_session_token, no_address
from .relations import Block, followers

UNUSABLE_PASSWORD = "!deleted"  # no password hash looks like this: no password matches


def delete_account(user_id: int) -> None:
    """Make the account a tombstone and remove what was the person's, in one transaction; commit."""
    with changing():  # SQLite: the write lock before reading what we change; commit at the end
        # People who had activity from this user: their activity counts drop, under their locks (and the user's).
        remove_activity_of(user_id)
        db.session.execute(sa.delete(Post).where(Post.user_id == user_id))
        db.session.execute(
            sa.delete(followers).where(sa.or_(followers.c.follower_id == user_id, followers.c.followed_id == user_id))
        )
        db.session.execute(sa.delete(Block).where(sa.or_(Block.blocker_id == user_id, Block.blocked_id == user_id)))
        db.session.execute(sa.delete(Notification).where(Notification.user_id == user_id))
        db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        user = db.session.get(User, user_id)
        user.deleted_at = utcnow()
        user.email, user.pending_email, user.email_verified = no_address(), None, False
        user.password_hash = UNUSABLE_PASSWORD
        user.about_me = None
        user.totp_secret, user.totp_last_step = None, 0
        user.message_policy = "nobody"  # nobody can write to a deleted account
        user.session_token = new_session_token()  # every session and stream ends (push publishes SESSION)
