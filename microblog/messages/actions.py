"""What one can do to a single message (SPEC S17): edit, react, delete for me; and what a thread shows of
them (reactions, "Seen"). Unsend changes what is unread, so it is an act with the others that do: acts.py.

Every act: load the message (404 unless it is in my conversation and I may see it) -> act under the
conversation's row (`versions.bump`, which also tells open threads) -> commit.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _

from ..database import begin_write, utcnow
from ..extensions import db
from ..push import MESSAGE, publish
from .models import EDIT_MINUTES, REACTIONS, Hidden, Member, Message, Reaction
from .versions import bump


def message_in(member: Member | None, message_id: int) -> Message:
    """The message `message_id` of the member's conversation that they still see, or 404 (nobody else's
    message is reachable by its id)."""
    message = None
    if member is not None:
        message = db.session.scalar(
            sa.select(Message).where(
                Message.id == message_id,
                Message.conversation_id == member.conversation_id,
                Message.id > member.cleared_before_id,
                ~sa.exists().where(Hidden.user_id == member.user_id, Hidden.message_id == Message.id),
            )
        )
    if message is None:
        abort(404, description=_("There is no such message in this conversation."))
    return message


def editable(message: Message, user_id: int) -> bool:
    """Only the author edits, within EDIT_MINUTES of sending, and not once unsent."""
    return (
        message.sender_id == user_id
        and not message.unsent
        and utcnow() - message.timestamp <= timedelta(minutes=EDIT_MINUTES)
    )


def _write(message: Message) -> int:
    """Start the write (SQLite's lock first), take the conversation's row, and read the message as committed."""
    begin_write()
    version = bump(message.conversation_id)
    db.session.refresh(message)
    return version


def _announce(message: Message) -> None:
    publish(message.sender_id, MESSAGE)
    publish(message.recipient_id, MESSAGE)


def edit(message: Message, user_id: int, body: str) -> None:
    """Replace the body (marked edited); 403 past the edit window or for anyone but the author."""
    version = _write(message)
    if not editable(message, user_id):
        db.session.rollback()
        abort(
            403,
            description=_(
                "A message can only be edited by its author within %(minutes)d minutes.", minutes=EDIT_MINUTES
            ),
        )
    message.body, message.edited_at, message.version = body, utcnow(), version
    _announce(message)
    db.session.commit()


def react(message: Message, user_id: int, name: str) -> None:
    """Toggle the user's reaction: the same one again removes it, another replaces it. 400 for an unknown one."""
    if name not in REACTIONS:
        abort(400, description=_("Unknown reaction."))
    version = _write(message)
    if message.unsent:
        db.session.rollback()
        abort(404, description=_("There is no such message in this conversation."))
    mine = db.session.get(Reaction, (message.id, user_id))
    if mine is None:
        db.session.add(Reaction(message_id=message.id, user_id=user_id, name=name))
    elif mine.name == name:
        db.session.delete(mine)
    else:
        mine.name = name
    message.version = version
    _announce(message)
    db.session.commit()


def hide(message: Message, user_id: int) -> None:
    """Delete for me: only my view changes (the other side is not told)."""
    begin_write()
    db.session.execute(sa.delete(Hidden).where(Hidden.user_id == user_id, Hidden.message_id == message.id))
    db.session.add(Hidden(user_id=user_id, message_id=message.id))
    db.session.commit()


@functools.cache
def _reactions() -> sa.Select:
    """Built once (as the thread's other statements): the user and the message ids are bound."""
    mine = sa.func.max(sa.case((Reaction.user_id == sa.bindparam("user_id"), 1), else_=0))
    return (
        sa.select(Reaction.message_id, Reaction.name, sa.func.count(), mine)
        .where(Reaction.message_id.in_(sa.bindparam("ids", expanding=True)))
        .group_by(Reaction.message_id, Reaction.name)
    )


def reactions_of(message_ids, user_id: int) -> dict[int, list[tuple[str, int, bool]]]:
    """{message id: [(reaction, count, mine)]} in REACTIONS order, for the shown messages: one grouped query."""
    found: dict[int, dict[str, tuple[int, bool]]] = defaultdict(dict)
    if message_ids:
        rows = db.session.execute(_reactions(), {"user_id": user_id, "ids": list(message_ids)})
        for message_id, name, count, is_mine in rows:
            found[message_id][name] = (count, bool(is_mine))
    return {mid: [(n, *names[n]) for n in REACTIONS if n in names] for mid, names in found.items()}


def changed_since(member: Member, version: int, after: int, limit: int) -> list[Message]:
    """Messages of the conversation changed after `version` that the member sees and already has (id up to
    `after`, the newest shown): the thread's poll swaps them in place."""
    stmt = (
        sa.select(Message)
        .where(
            Message.conversation_id == member.conversation_id,
            Message.version > version,
            Message.id > member.cleared_before_id,
            sa.or_(Message.id <= after, Message.sender_id == member.user_id),
            ~sa.exists().where(Hidden.user_id == member.user_id, Hidden.message_id == Message.id),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


@functools.cache
def _seen() -> sa.Select:
    # Mine are the ones to them (two people a conversation): the (conversation_id, recipient_id, id) index,
    # newest first, stopping at the first live one. max() by sender read every message of the conversation
    # (14 ms in a 10,000-message thread).
    conversation_id, other_id = sa.bindparam("conversation_id"), sa.bindparam("other_id")
    newest_mine = (
        sa.select(Message.id)
        .where(Message.conversation_id == conversation_id, Message.recipient_id == other_id, Message.unsent.is_(False))
        .order_by(Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(Member.seen_message_id, Member.seen_at, newest_mine).where(
        Member.conversation_id == conversation_id, Member.user_id == other_id
    )


def seen(me, other, member: Member | None, theirs: tuple | None = None) -> tuple[int, object] | None:
    """(my newest message they have seen, when) for "Seen", or None: only when both send read receipts.
    `theirs`: what this reads, read already (messages/opening.py)."""
    if member is None or not (me.read_receipts and other.read_receipts):
        return None
    if theirs is None:
        params = {"conversation_id": member.conversation_id, "other_id": other.id}
        theirs = db.session.execute(_seen(), params).first()
    if theirs is None or theirs[2] is None or theirs[0] < theirs[2] or theirs[1] is None:
        return None
    return theirs[2], theirs[1]


def conversation_version(member: Member | None) -> int:
    """The conversation's version read with the membership (`models.membership`), 0 before anyone wrote."""
    return getattr(member, "version", 0) if member is not None else 0
