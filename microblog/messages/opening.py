"""What every GET of a conversation (its page, its "earlier" pages, its poll's news) reads first, in one
statement: the other person by name, my membership with the conversation's version, how we stand (blocks,
whether they follow me) and what "Seen" needs (their read watermark and my newest live message to them).

These were four statements (the person, `models.membership`, `users.relations.relation`, `actions.seen`): an
ORM statement costs ~0.06-0.1 ms over its SQL, and each of these joins is a primary-key or index read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..users.models import User
from ..users.relations import relation_columns
from .models import Conversation, Member, Message


@dataclass
class Opened:
    other: User
    member: Member | None  # None: we never wrote; else with `.version`, as `models.membership` gives it
    relation: tuple[bool, bool, bool]  # `users.relations.relation(me, other)`
    theirs: tuple[int, datetime | None, int | None] | None  # for `actions.seen`; None without a conversation


@functools.cache
def _opening() -> sa.Select:
    """Built once, as every statement a thread runs: the viewer's id and the name's key are bound."""
    me = sa.bindparam("me", type_=sa.Integer)
    theirs = sa.orm.aliased(Member, name="theirs")
    # My newest live message to them: the (conversation_id, recipient_id, id) index, newest first (actions._seen).
    newest_mine = (
        sa.select(Message.id)
        .where(
            Message.conversation_id == Member.conversation_id,
            Message.recipient_id == User.id,
            Message.unsent.is_(False),
        )
        .order_by(Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(User, Member, Conversation.version, *relation_columns(me))
        .add_columns(theirs.seen_message_id, theirs.seen_at, newest_mine)
        .outerjoin(Member, sa.and_(Member.user_id == me, Member.other_id == User.id))
        .outerjoin(Conversation, Conversation.id == Member.conversation_id)
        .outerjoin(theirs, sa.and_(theirs.conversation_id == Member.conversation_id, theirs.user_id == User.id))
        .where(User.username_key == sa.bindparam("key"))
    )


def open_conversation(me_id: int, key: str) -> Opened | None:
    """The conversation of `me_id` with the user whose name has `key` (users.names.lookup_key), or None when
    nobody has that name (a deleted account is found: its conversations stay readable)."""
    row = db.session.execute(_opening(), {"me": me_id, "key": key}).first()
    if row is None:
        return None
    other, member, version, i_block, blocks_me, follows_me, seen_id, seen_at, newest_mine = row
    if member is not None:
        member.version = version
    theirs = (seen_id, seen_at, newest_mine) if member is not None and seen_id is not None else None
    return Opened(other, member, (bool(i_block), bool(blocks_me), bool(follows_me)), theirs)
