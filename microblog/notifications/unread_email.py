"""Email for unread messages (SPEC S18): which emails are owed, and sending each one exactly once.

`owe(now)` (a periodic job, on every worker: safe to run anywhere, any number of times) records each
conversation burst now due: messages to a user that arrived after they were last active, the first of them
over UNREAD_EMAIL_MINUTES ago, still unread, none emailed yet. `deliver(email_id, now)` claims one owed
email with a lease, checks it is still wanted, sends it outside any transaction, and marks it sent. A worker
killed mid-send leaves the claim to expire and the next scan hands the email on; an SMTP failure releases
it for a retry (UNREAD_EMAIL_RETRY_SECONDS later) until UNREAD_EMAIL_MAX_ATTEMPTS, then a log line.
The one window left: a worker killed after the SMTP server took the email and before it is marked sent
sends it again (the same Message-ID, so mail clients show one).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..database import utcnow
from ..extensions import db
from ..mail import MailError
from ..messages.models import Member, Message
from ..users.models import User
from .email_compose import compose
from .email_digest import compose_digest, owe_digests
from .email_models import AT_ONCE, EmailPreference, UnreadEmail

log = logging.getLogger("microblog.email")

PENDING, SENT, DROPPED, FAILED = "pending", "sent", "dropped", "failed"


# -- what is owed -------------------------------------------------------------------------------------


def _greatest(*values):
    return (sa.func.greatest if db.session.get_bind().dialect.name == "postgresql" else sa.func.max)(*values)


def _insert_ignore(**values) -> bool:
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return db.session.execute(insert(UnreadEmail).values(**values).on_conflict_do_nothing()).rowcount == 1


def due_bursts(now: datetime):
    """Rows (user_id, conversation_id, first id, last id) of bursts due at `now` and not yet owed."""
    minutes = current_app.config["UNREAD_EMAIL_MINUTES"]
    emailed = (
        sa.select(sa.func.coalesce(sa.func.max(UnreadEmail.last_message_id), 0))
        .where(UnreadEmail.user_id == Member.user_id, UnreadEmail.conversation_id == Member.conversation_id)
        .scalar_subquery()
    )
    owed = sa.exists().where(
        UnreadEmail.user_id == Member.user_id,
        UnreadEmail.state == PENDING,
        UnreadEmail.conversation_id == Member.conversation_id,
    )
    stmt = (
        sa.select(Member.user_id, Member.conversation_id, sa.func.min(Message.id), sa.func.max(Message.id))
        .join(User, User.id == Member.user_id)
        .join(
            Message,
            sa.and_(
                Message.conversation_id == Member.conversation_id,
                Message.recipient_id == Member.user_id,
                Message.id > _greatest(Member.last_read_message_id, Member.cleared_before_id, emailed),
                Message.timestamp > User.last_seen,
            ),
        )  # arrived while they were away
        .outerjoin(EmailPreference, EmailPreference.user_id == Member.user_id)
        .where(
            Member.last_message_id > Member.last_read_message_id,
            ~owed,
            sa.func.coalesce(EmailPreference.unread, AT_ONCE) == AT_ONCE,
        )
        .group_by(Member.user_id, Member.conversation_id)
        .having(sa.func.min(Message.timestamp) <= now - timedelta(minutes=minutes))
    )
    return db.session.execute(stmt).all()


def owe(now: datetime | None = None) -> list[int]:
    """Record every burst due at `now`, and the day's digests (once, whoever scans), and return the ids of the owed emails that
    are due and unclaimed (new, released after a failure, or left by a worker that died)."""
    now = now or utcnow()
    for user_id, conversation_id, first, last in due_bursts(now):
        _insert_ignore(
            key=f"burst:{user_id}:{conversation_id}:{first}",
            user_id=user_id,
            conversation_id=conversation_id,
            first_message_id=first,
            last_message_id=last,
            state=PENDING,
            due_at=now,
            attempts=0,
        )
    owe_digests(now, _insert_ignore)
    db.session.commit()
    stmt = (
        sa.select(UnreadEmail.id)
        .where(
            UnreadEmail.state == PENDING,
            UnreadEmail.due_at <= now,
            sa.or_(UnreadEmail.claimed_until.is_(None), UnreadEmail.claimed_until < now),
        )
        .order_by(UnreadEmail.id)
    )
    ids = list(db.session.scalars(stmt))
    db.session.commit()
    return ids


# -- sending one, once ----------------------------------------------------------------------------------


def claim(email_id: int, now: datetime) -> bool:
    """Take the email for UNREAD_EMAIL_LEASE_SECONDS; False when sent, dropped or another worker has it."""
    lease = timedelta(seconds=current_app.config["UNREAD_EMAIL_LEASE_SECONDS"])
    result = db.session.execute(
        sa.update(UnreadEmail)
        .where(
            UnreadEmail.id == email_id,
            UnreadEmail.state == PENDING,
            sa.or_(UnreadEmail.claimed_until.is_(None), UnreadEmail.claimed_until < now),
        )
        .values(claimed_until=now + lease, attempts=UnreadEmail.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def finish(email_id: int, state: str, now: datetime, **values) -> None:
    db.session.execute(
        sa.update(UnreadEmail)
        .where(UnreadEmail.id == email_id)
        .values(state=state, sent_at=now if state == SENT else None, **values)
    )
    db.session.commit()


def failed(email_id: int, now: datetime, error: Exception) -> bool:
    """After a failed send: release the claim for a retry, or give up for good with a log line. True to retry."""
    email = db.session.get(UnreadEmail, email_id)
    if email.attempts >= current_app.config["UNREAD_EMAIL_MAX_ATTEMPTS"]:
        finish(email_id, FAILED, now)
        log.error(
            "unread-message email %s to user %s: gave up after %d attempts (%s)",
            email.key,
            email.user_id,
            email.attempts,
            error,
        )
        return False
    retry_at = now + timedelta(seconds=current_app.config["UNREAD_EMAIL_RETRY_SECONDS"])
    db.session.execute(sa.update(UnreadEmail).where(UnreadEmail.id == email_id).values(claimed_until=retry_at))
    db.session.commit()
    log.warning("unread-message email %s: attempt %d failed (%s), retrying", email.key, email.attempts, error)
    return True


def deliver(email_id: int, now: datetime | None = None) -> str:
    """Claim, check, send and mark one owed email; returns what became of it. MailError when sending failed
    and it will be retried (the job library's retry)."""
    now = now or utcnow()
    if not claim(email_id, now):
        return "taken"
    email = db.session.get(UnreadEmail, email_id)
    message = compose(email) if email.conversation_id is not None else compose_digest(email, now)
    if message is None:  # read, unsent, muted, no longer wanted: nothing to say
        finish(email_id, DROPPED, now)
        return DROPPED
    db.session.commit()  # no transaction stays open while the SMTP server takes its time
    try:
        message.send()
    except MailError as error:
        if failed(email_id, now, error):
            raise
        return FAILED
    finish(email_id, SENT, now, last_message_id=max(email.last_message_id, message.last_message_id))
    return SENT
