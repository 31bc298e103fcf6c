"""The one home of unread state: the per-user lock, counting, sending, marking read and the badge's read.

Nothing else computes or stores a count. What a user has unread is derived, never counted up or down:
the messages to them, in each of their conversations, with an id above their watermark there. The
total is stored (as the tutorial's `unread_message_count` notification) only by `send` and `mark_read`,
computed from the data under the user's lock, so the badge, the JSON feed and the pages agree.

The lock: every change to a user's unread state runs under `lock_user(user_id)` until commit. On
PostgreSQL a row lock on the user (`SELECT ... FOR NO KEY UPDATE`), on SQLite the database write lock
taken at `BEGIN IMMEDIATE`. Writers for one recipient are therefore serialised, so message ids to a
recipient grow in commit order, and a watermark or a poll cursor by id never skips a message committed
later (SPEC S5, S11 items 3-5).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from .database import IMMEDIATE, SINGLE_READ, begin_write, utcnow
from .extensions import db
from .activity.models import Activity
from .messages.models import Conversation, ListVersion, Member, Message, Reaction, list_version, ordered_pair
from .notifications.models import UNREAD_ACTIVITY_COUNT, UNREAD_MESSAGE_COUNT, Notification, add_notification
from .push import MESSAGE, UNREAD, publish
from .users.models import User
from .users.relations import refusal


def lock_user(user_id: int) -> bool:
    """Serialise every change to one user's unread state until commit; False when there is no such user."""
    session = db.session()  # the real Session: scoped_session does not proxy in_transaction()
    if session.get_bind().dialect.name == "sqlite":
        if not (session.in_transaction() and session.connection().get_execution_options().get(IMMEDIATE)):
            begin_write()
    # FOR NO KEY UPDATE (key_share): two users messaging each other at once must not deadlock on the
    # KEY SHARE locks that the messages' foreign keys take on the sender rows.
    found = session.execute(sa.select(User.id).where(User.id == user_id).with_for_update(key_share=True))
    return found.scalar_one_or_none() is not None


# -- counting ------------------------------------------------------------------------------------


def total_unread(user_id: int) -> int:
    """Unread messages over all the user's conversations: one index range per conversation."""
    stmt = (
        sa.select(sa.func.count())
        .select_from(Member)
        .join(
            Message,
            sa.and_(
                Message.conversation_id == Member.conversation_id,
                Message.recipient_id == Member.user_id,
                Message.id > Member.last_read_message_id,
                Message.unsent.is_(False),
            ),
        )
        # Muted conversations count in their own row, not in the badge (SPEC S17).
        # Only conversations with something newer than the watermark are probed (last_message_id never
        # goes down, and is stored with every message in the message's own transaction).
        .where(Member.user_id == user_id, Member.last_message_id > Member.last_read_message_id, Member.muted.is_(False))
    )
    return db.session.scalar(stmt)


def _store_total(user_id: int) -> int:
    count = total_unread(user_id)
    add_notification(user_id, UNREAD_MESSAGE_COUNT, count)
    return count


# -- the two operations that change a count -------------------------------------------------------


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


class Refused(Exception):
    """The recipient does not accept this message now (blocked, or their setting): nothing was stored."""


def bump(conversation_id: int) -> int:
    """The conversation's next version (what an open thread's poll compares with): one UPDATE ... RETURNING,
    which also holds the conversation's row until commit. Both members' list versions go up with it, in the
    same transaction (what their conversation lists' polls compare with), lower user id first: every change
    a list row shows comes through here, so the list's state is one row, exact, whatever the list's length."""
    stmt = (
        sa.update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(version=Conversation.version + 1)
        .returning(Conversation.version, Conversation.user_low_id, Conversation.user_high_id)
        .execution_options(synchronize_session=False)
    )
    version, low, high = db.session.execute(stmt).one()
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ListVersion)
    db.session.execute(
        insert.values([{"user_id": low, "version": 1}, {"user_id": high, "version": 1}]).on_conflict_do_update(
            index_elements=[ListVersion.user_id], set_={"version": ListVersion.version + 1}
        )
    )
    return version


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
    lock_user(recipient.id)
    db.session.refresh(recipient, ["message_policy"])  # what is committed now, read under the lock
    reason = refusal(sender, recipient)
    if reason is not None:
        db.session.rollback()
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
    _store_total(recipient.id)
    # Delivered at commit (SPEC S13): badge and open thread refetch; a muted conversation moves no badge.
    if _muted(recipient.id, conversation_id):
        publish(recipient.id, MESSAGE)
    else:
        publish(recipient.id, UNREAD, MESSAGE)
    publish(sender.id, MESSAGE)  # the sender's other tabs show it in the thread too
    db.session.commit()
    return message


def mark_read(user: User, member: Member, up_to: int, *, clear: bool = False) -> int:
    """Mark the member's messages up to id `up_to` as read (and, with `clear`, hide them from the member
    alone); commit and return the user's new total. The only way a count goes down.

    Messages committed after the page was queried have higher ids (see the lock) and stay unread.
    Writes nothing and takes no lock when the watermark would not move (it only grows, so the value
    loaded with `member` is a lower bound of the stored one).
    """
    if up_to <= member.last_read_message_id and not clear:
        return user.unread_count
    lock_user(user.id)
    # Both marks only go up, whatever order two of the user's requests commit in.
    greatest = sa.func.greatest if db.session.get_bind().dialect.name == "postgresql" else sa.func.max
    values = {"last_read_message_id": greatest(Member.last_read_message_id, up_to)}
    if user.read_receipts:  # "Seen" is recorded only while the reader sends read receipts
        values.update(seen_message_id=greatest(Member.seen_message_id, up_to), seen_at=utcnow())
    if clear:
        values["cleared_before_id"] = greatest(Member.cleared_before_id, up_to)
    stmt = sa.update(Member).where(Member.conversation_id == member.conversation_id, Member.user_id == user.id)
    if not clear:
        stmt = stmt.where(Member.last_read_message_id < up_to)
    # The member's new values are set below from what we wrote: no reload.
    stmt = stmt.values(**values).execution_options(synchronize_session=False)
    if db.session.execute(stmt).rowcount == 0:
        db.session.commit()
        return user.unread_count
    count = _store_total(user.id)
    version = bump(member.conversation_id)
    publish(user.id, UNREAD)  # the reader's other tabs drop their badge too
    publish(member.other_id, MESSAGE)  # the other side's open thread shows "Seen" (its GET decides whether)
    db.session.commit()
    # What was written, set as loaded (not as a change: the session stays clean for later writes).
    set_committed_value(member, "last_read_message_id", max(member.last_read_message_id, up_to))
    if clear:
        set_committed_value(member, "cleared_before_id", max(member.cleared_before_id, up_to))
    user.unread_count = count
    # The version the page may show: ours, if no other change came between the membership's read and now.
    if getattr(member, "version", None) == version - 1:
        member.version = version
    return count


# -- per conversation and per message (SPEC S17) ------------------------------------------------------


def _conversation_changed(user_id: int, member: Member) -> int:
    """Store the user's new total and announce it (unless nothing counts: muted) and the conversation's change."""
    count = _store_total(user_id)
    bump(member.conversation_id)
    publish(user_id, UNREAD, MESSAGE)
    return count


def set_muted(user: User, member: Member, muted: bool) -> int:
    """Mute or unmute the member's conversation (its count leaves or rejoins the badge); commit, new total."""
    lock_user(user.id)
    db.session.execute(
        sa.update(Member)
        .where(Member.conversation_id == member.conversation_id, Member.user_id == user.id)
        .values(muted=muted)
        .execution_options(synchronize_session=False)
    )
    user.unread_count = _conversation_changed(user.id, member)
    db.session.commit()
    set_committed_value(member, "muted", muted)
    return user.unread_count


def mark_unread(user: User, member: Member) -> int:
    """Mark the conversation unread: the watermark goes just below the newest message to the user (it
    counts 1); "Seen" stays as the other person saw it. Commit, new total. A no-op when nothing was received."""
    lock_user(user.id)
    newest = db.session.scalar(
        sa.select(sa.func.max(Message.id)).where(
            Message.conversation_id == member.conversation_id,
            Message.recipient_id == user.id,
            Message.id > member.cleared_before_id,
            Message.unsent.is_(False),
        )
    )
    if newest is not None:
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
        user.unread_count = _conversation_changed(user.id, member)
    db.session.commit()
    return user.unread_count


def unsend(message: Message) -> None:
    """The author takes a message back for both sides: its text is gone, its reactions too, and if it was
    unread it stops counting at once (badge, the conversation's count and the JSON feed, in this commit)."""
    lock_user(message.recipient_id)
    version = bump(message.conversation_id)
    db.session.execute(
        sa.update(Message)
        .where(Message.id == message.id)
        .values(unsent=True, body="", version=version)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(Reaction).where(Reaction.message_id == message.id))
    _store_total(message.recipient_id)
    publish(message.recipient_id, UNREAD, MESSAGE)
    publish(message.sender_id, MESSAGE)
    db.session.commit()
    for name, value in (("unsent", True), ("body", ""), ("version", version)):  # as written, no reload
        set_committed_value(message, name, value)


# -- activity: new followers and mentions (SPEC S14) ---------------------------------------------


def total_activity(user_id: int) -> int:
    """The user's activity above their watermark (`user.activity_read_id`)."""
    read_id = sa.select(User.activity_read_id).where(User.id == user_id).scalar_subquery()
    stmt = sa.select(sa.func.count()).select_from(Activity).where(Activity.user_id == user_id, Activity.id > read_id)
    return db.session.scalar(stmt)


def _store_activity_total(user_id: int) -> int:
    count = total_activity(user_id)
    add_notification(user_id, UNREAD_ACTIVITY_COUNT, count)
    return count


def lock_users(user_ids) -> None:
    """Lock several users for their activity, in id order (two writers never wait on each other crosswise)."""
    for user_id in sorted(set(user_ids)):
        lock_user(user_id)


def add_activity(user_id: int, actor_id: int, kind: str, post_id: int = 0) -> bool:
    """Store one event for `user_id` (under their lock, taken by the caller) unless that very event
    exists already; store their new total and announce it at commit. No commit. False when not new."""
    exists = db.session.scalar(
        sa.select(Activity.id).where(
            Activity.user_id == user_id,
            Activity.kind == kind,
            Activity.actor_id == actor_id,
            Activity.post_id == post_id,
        )
    )
    if exists is not None:
        return False
    db.session.add(Activity(user_id=user_id, actor_id=actor_id, kind=kind, post_id=post_id))
    db.session.flush()
    _store_activity_total(user_id)
    publish(user_id, UNREAD)  # the badge refetches (both counts come in that one poll)
    return True


def remove_activity(*, kind: str, post_id: int) -> None:
    """Delete the events of `kind` about `post_id` (a deleted post's mentions) under their recipients'
    locks, in id order; store the recipients' new totals and announce them at commit. No commit."""
    about = sa.and_(Activity.kind == kind, Activity.post_id == post_id)
    recipients = set(db.session.scalars(sa.select(Activity.user_id).where(about)))
    lock_users(recipients)
    db.session.execute(sa.delete(Activity).where(about))
    _activity_changed(recipients)


def remove_activity_of(user_id: int) -> None:
    """Delete every event by and for `user_id` (a deleted account) under the locks of the user and of the
    people who had events from them, in id order; store those people's new totals and announce them at
    commit. No commit."""
    others = set(db.session.scalars(sa.select(Activity.user_id).where(Activity.actor_id == user_id)))
    others.discard(user_id)
    lock_users(others | {user_id})
    db.session.execute(sa.delete(Activity).where(sa.or_(Activity.actor_id == user_id, Activity.user_id == user_id)))
    _activity_changed(others)


def _activity_changed(user_ids) -> None:
    for user_id in sorted(user_ids):
        _store_activity_total(user_id)  # counted from the data under the user's lock
        publish(user_id, UNREAD)


def mark_activity_read(user: User, up_to: int) -> int:
    """Move the user's activity watermark up to `up_to` (only ever up), commit, return the new total.
    Writes nothing and takes no lock when it would not move."""
    if up_to <= user.activity_read_id:
        return user.activity_count
    lock_user(user.id)
    greatest = sa.func.greatest if db.session.get_bind().dialect.name == "postgresql" else sa.func.max
    stmt = (
        sa.update(User)
        .where(User.id == user.id, User.activity_read_id < up_to)
        .values(activity_read_id=greatest(User.activity_read_id, up_to))
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(stmt).rowcount == 0:
        db.session.commit()
        return user.activity_count
    count = _store_activity_total(user.id)
    publish(user.id, UNREAD)
    db.session.commit()
    set_committed_value(user, "activity_read_id", max(user.activity_read_id, up_to))
    user.activity_count = count
    return count


# -- reading the stored total -----------------------------------------------------------------------


def _count(payload: str | None) -> int:
    return int(json.loads(payload)) if payload is not None else 0


# Built once: every signed-in request runs it, so it only binds `user_id` (the compiled form is cached).
_ACTIVITY = sa.orm.aliased(Notification)
USER_WITH_COUNT = (
    sa.select(User, Notification.payload_json, _ACTIVITY.payload_json)
    .outerjoin(
        Notification,
        sa.and_(Notification.user_id == User.id, Notification.name == UNREAD_MESSAGE_COUNT),
    )
    .outerjoin(_ACTIVITY, sa.and_(_ACTIVITY.user_id == User.id, _ACTIVITY.name == UNREAD_ACTIVITY_COUNT))
    .where(User.id == sa.bindparam("user_id"))
)


def load_user_with_count(user_id: int, session_token: str) -> User | None:
    """The user and their stored total (as `user.unread_count`), in one statement; None for a bad session."""
    row = db.session.execute(USER_WITH_COUNT, {"user_id": user_id}).first()
    if row is None or row[0].session_token != session_token:
        return None
    user = row[0]
    user.unread_count = _count(row[1])
    user.activity_count = _count(row[2])
    return user


# Built once: a poll pays only for binding `user_id` and running the cached compiled statement. Another
# navbar count joins here as one more outer join, so one poll keeps answering every badge.
_BADGE_STATE = (
    sa.select(User.session_token, Notification.payload_json, _ACTIVITY.payload_json)
    .outerjoin(
        Notification,
        sa.and_(Notification.user_id == User.id, Notification.name == UNREAD_MESSAGE_COUNT),
    )
    .outerjoin(_ACTIVITY, sa.and_(_ACTIVITY.user_id == User.id, _ACTIVITY.name == UNREAD_ACTIVITY_COUNT))
    .where(User.id == sa.bindparam("user_id"))
)

# The thread's poll: is the session valid, is there a message to me from `other` after the cursor, and
# which version is the conversation at (edits, unsends, reactions and reads bump it)?
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
    .where(Member.user_id == User.id, _OTHER.username_key == sa.bindparam("other_key"))
    .scalar_subquery(),
).where(User.id == sa.bindparam("user_id"))


# The conversation list's poll: is the session valid, and the user's list version (every change a row shows
# bumps it, see `bump`, and it only grows: an equal version is no change). Two primary-key reads.
_LIST_STATE = sa.select(User.session_token, list_version(User.id)).where(User.id == sa.bindparam("user_id"))


def _run_read_only(stmt, params) -> sa.Row | None:
    """One statement in autocommit, outside the request's session: no BEGIN before it, nothing to roll back.

    PostgreSQL: one round trip. SQLite: the statement alone (its own read transaction), and no session is
    made and torn down for it: the poll's Python cost is mostly that bookkeeping.
    """
    engine = db.engine  # looked up once: this runs on every poll
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {SINGLE_READ: True}
    with engine.connect().execution_options(**options) as conn:
        return conn.execute(stmt, params).first()


def badge_state(user_id: int, session_token: str) -> tuple[int, int] | None:
    """The stored totals (messages, activity) for a valid session, in one query; None when the session
    is not valid.

    The whole database cost of a badge poll: the session token (to honour sign-outs and password
    changes) and the stored count, joined on the user's primary key and the unique (user_id, name)
    index. A Core statement: nothing loaded but two strings.
    """
    row = _run_read_only(_BADGE_STATE, {"user_id": user_id})
    if row is None or row[0] != session_token:
        return None
    return _count(row[1]), _count(row[2])


def thread_state(user_id: int, session_token: str, other_key: str, after: int) -> tuple[int | None, int] | None:
    """The thread poll's whole cost, one query: the newest message to this user from the user named
    `other_key` after `after` (None: none) and the conversation's version (edits, unsends, reactions and
    reads bump it; 0 without a conversation); None when the session is not valid."""
    row = _run_read_only(_THREAD_STATE, {"user_id": user_id, "other_key": other_key, "after": after})
    if row is None or row[0] != session_token:
        return None
    return row[2], row[1] or 0


def list_state(user_id: int, session_token: str) -> int | None:
    """The conversation list's state (it changes whenever anything a row shows does), in one indexed
    statement; None when the session is not valid."""
    row = _run_read_only(_LIST_STATE, {"user_id": user_id})
    if row is None or row[0] != session_token:
        return None
    return int(row[1])
