"""The acts that write messages and change what somebody has unread: send, unsend, mute, mark unread.

Each is one whole write (`microblog.unread.locks.changing`): the write begins and the user whose count it
changes is locked before anything is read, the new total is stored (`microblog.unread.counts`) and the
change announced (at commit), then commit. Editing, reacting and delete-for-me change no count: actions.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..push import MESSAGE, UNREAD, publish
from ..unread.counts import shows, store_total
from ..unread.locks import changing
from ..users.models import User
from ..users.relations import refusal
from .models import Conversation, Member, Message, Reaction, ordered_pair
from .versions import bump


class Refused(Exception):
    """The recipient does not accept this message now (blocked, or their setting): nothing was stored."""


def _insert_ignore(model, **values):
    """INSERT that does nothing when the row (by a unique key) already exists, on both databases."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _conversation_of(a: int, b: int) -> int:
    """The pair's conversation id, created with both memberships the first time (race-free)."""
    existing = db.session.scalar(sa.select(Member.conversation_id).where(Member.user_id == a, Member.other_id == b))
    if existing is not None:
        return existing
    low, high = ordered_pair(a, b)
    _insert_ignore(Conversation, user_low_id=low, user_high_id=high)
    conversation_id = db.session.scalar(
        sa.select(Conversation.id).where(Conversation.user_low_id == low, Conversation.user_high_id == high)
    )
    for user_id, other_id in ((low, high), (high, low)):
        _insert_ignore(Member, conversation_id=conversation_id, user_id=user_id, other_id=other_id)
    return conversation_id


def _muted(user_id: int, conversation_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(Member.muted).where(Member.conversation_id == conversation_id, Member.user_id == user_id)
        )
    )


def send(sender: User, recipient: User, body: str) -> Message:
    """Store a message in the pair's conversation and the recipient's new total, then commit.

    The only way a message is sent: the place to announce "the recipient's count changed". Who may message
    whom is asked again here, under the recipient's lock (the lock a block takes): a send that was checked
    before a block committed cannot be stored after it. Raises `Refused` (nothing stored) when refused.
    """
    with changing(recipient.id):
        db.session.refresh(recipient, ["message_policy"])  # what is committed now, read under the lock
        reason = refusal(sender, recipient)
        if reason is not None:
            raise Refused(reason)
        conversation_id = _conversation_of(sender.id, recipient.id)
        message = Message(conversation_id=conversation_id, sender_id=sender.id, recipient_id=recipient.id, body=body)
        db.session.add(message)
        db.session.flush()
        # Only ever up: a send the other way that committed first may already have stored a higher id.
        db.session.execute(
            sa.update(Member)
            .where(Member.conversation_id == conversation_id, Member.last_message_id < message.id)
            .values(last_message_id=message.id)
            .execution_options(synchronize_session=False)
        )
        bump(conversation_id)
        store_total(recipient.id)
        # Delivered at commit (SPEC S13): badge and open thread refetch; a muted conversation moves no badge.
        if _muted(recipient.id, conversation_id):
            publish(recipient.id, MESSAGE)
        else:
            publish(recipient.id, UNREAD, MESSAGE)
        publish(sender.id, MESSAGE)  # the sender's other tabs show it in the thread too
    return message


def _conversation_changed(user_id: int, member: Member) -> None:
    """Store the user's new total and announce it (unless nothing counts: muted) and the conversation's change."""
    shows(user_id, messages=store_total(user_id))
    bump(member.conversation_id)
    publish(user_id, UNREAD, MESSAGE)


def set_muted(user: User, member: Member, muted: bool) -> None:
    """Mute or unmute the member's conversation (its count leaves or rejoins the badge); commit."""
    with changing(user.id):
        db.session.execute(
            sa.update(Member)
            .where(Member.conversation_id == member.conversation_id, Member.user_id == user.id)
            .values(muted=muted)
            .execution_options(synchronize_session=False)
        )
        _conversation_changed(user.id, member)
    set_committed_value(member, "muted", muted)


def mark_unread(user: User, member: Member) -> None:
    """Mark the conversation unread: the watermark goes just below the newest message to the user (it
    counts 1); "Seen" stays as the other person saw it. Commit. A no-op when nothing was received."""
    with changing(user.id):
        newest = db.session.scalar(
            sa.select(sa.func.max(Message.id)).where(
                Message.conversation_id == member.conversation_id,
                Message.recipient_id == user.id,
                Message.id > member.cleared_before_id,
                Message.unsent.is_(False),
            )
        )
        if newest is None:
            return
        db.session.execute(
            sa.update(Member)
            .where(
                Member.conversation_id == member.conversation_id,
                Member.user_id == user.id,
                Member.last_read_message_id >= newest,
            )
            .values(last_read_message_id=newest - 1)
            .execution_options(synchronize_session=False)
        )
        _conversation_changed(user.id, member)


def unsend(message: Message) -> None:
    """The author takes a message back for both sides: its text is gone, its reactions too, and if it was
    unread it stops counting at once (badge, the conversation's count and the JSON feed, in this commit)."""
    with changing(message.recipient_id):
        version = bump(message.conversation_id)
        db.session.execute(
            sa.update(Message)
            .where(Message.id == message.id)
            .values(unsent=True, body="", version=version)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(sa.delete(Reaction).where(Reaction.message_id == message.id))
        store_total(message.recipient_id)
        publish(message.recipient_id, UNREAD, MESSAGE)
        publish(message.sender_id, MESSAGE)
    for name, value in (("unsent", True), ("body", ""), ("version", version)):  # as written, no reload
        set_committed_value(message, name, value)
