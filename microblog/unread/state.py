"""The polls' reads: each one statement in autocommit, outside the request's session, that also checks the
session token (a sign-out or a password change ends the poll). The badge's statement is the loader's join
(loader.py); the thread's and the conversation list's are here.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..database import SINGLE_READ
from ..extensions import db
from ..messages.models import Conversation, Hidden, Member, Message, list_version
from ..users.models import User

# The thread's poll: is the session valid, is there a message to me from `other` after the cursor (not one I
# deleted for myself: the thread does not show it, so its poll's cursor stays below it, and counting it as news
# sent every poll down the full path, five statements instead of one), and which version is the conversation at
# (edits, unsends, reactions and reads bump it)?
_OTHER = sa.orm.aliased(User)
_THREAD_STATE = sa.select(
    User.session_token,
    sa.select(Conversation.version)
    .select_from(Member)
    .join(_OTHER, _OTHER.id == Member.other_id)
    .join(Conversation, Conversation.id == Member.conversation_id)
    .where(Member.user_id == User.id, _OTHER.username_key == sa.bindparam("other_key"))
    .scalar_subquery(),
    sa.select(sa.func.max(Message.id))
    .select_from(Member)
    .join(_OTHER, _OTHER.id == Member.other_id)
    .join(
        Message,
        sa.and_(
            Message.conversation_id == Member.conversation_id,
            Message.recipient_id == Member.user_id,
            Message.id > sa.bindparam("after"),
        ),
    )
    .where(
        Member.user_id == User.id,
        _OTHER.username_key == sa.bindparam("other_key"),
        ~sa.exists().where(Hidden.user_id == Member.user_id, Hidden.message_id == Message.id),
    )
    .scalar_subquery(),
).where(User.id == sa.bindparam("user_id"))


# The conversation list's poll: is the session valid, and the user's list version (every change a row shows
# bumps it, see `messages.versions.bump`, and it only grows: an equal version is no change). Two primary-key reads.
_LIST_STATE = sa.select(User.session_token, list_version(User.id)).where(User.id == sa.bindparam("user_id"))


def run_read_only(stmt, params) -> sa.Row | None:
    """One statement in autocommit, outside the request's session: no BEGIN before it, nothing to roll back.

    PostgreSQL: one round trip. SQLite: the statement alone (its own read transaction), and no session is
    made and torn down for it: the poll's Python cost is mostly that bookkeeping.
    """
    engine = db.engine  # looked up once: this runs on every poll
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {SINGLE_READ: True}
    with engine.connect().execution_options(**options) as conn:
        return conn.execute(stmt, params).first()


def thread_state(user_id: int, session_token: str, other_key: str, after: int) -> tuple[int | None, int] | None:
    """The thread poll's whole cost, one query: the newest message to this user from the user named
    `other_key` after `after` (None: none) and the conversation's version (edits, unsends, reactions and
    reads bump it; 0 without a conversation); None when the session is not valid."""
    row = run_read_only(_THREAD_STATE, {"user_id": user_id, "other_key": other_key, "after": after})
    if row is None or row[0] != session_token:
        return None
    return row[2], row[1] or 0


def list_state(user_id: int, session_token: str) -> int | None:
    """The conversation list's state (it changes whenever anything a row shows does), in one indexed
    statement; None when the session is not valid."""
    row = run_read_only(_LIST_STATE, {"user_id": user_id})
    if row is None or row[0] != session_token:
        return None
    return int(row[1])
