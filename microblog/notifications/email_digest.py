"""The daily digest (SPEC S18, the "once a day" setting): one email a day listing the conversations with
messages that arrived unread over the last day, owed and sent exactly once like a burst's email
(`digest:<user>:<date>` in unread_email; microblog.notifications.unread_email delivers it)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, ngettext

from ..extensions import db
from ..mail import public_url
from ..messages.models import Member, Message
from ..unread.watermark import unread_messages
from ..users.models import User
from . import email_hooks
from .email_compose import Outgoing, headers_for, preference, preview
from .email_models import DAILY, EmailPreference, UnreadEmail

DAY = timedelta(days=1)


def _unread_since(since: datetime, user_id=None) -> sa.Select:
    stmt = (
        sa.select(
            Member.user_id, Member.conversation_id, sa.func.count(), sa.func.min(Message.id), sa.func.max(Message.id)
        )
        .join(
            Message,
            # Unread as the badge counts it (an unsent message is no longer unread), and not cleared away.
            sa.and_(unread_messages(Member, Message), Message.id > Member.cleared_before_id, Message.timestamp > since),
        )
        .where(Member.last_message_id > Member.last_read_message_id)
        .group_by(Member.user_id, Member.conversation_id)
    )
    return stmt if user_id is None else stmt.where(Member.user_id == user_id)


def owe_digests(now: datetime, insert) -> None:
    """From UNREAD_EMAIL_DIGEST_HOUR (UTC) on, one digest a day for each user who chose it and has messages
    that arrived unread over the last day (`insert` is unread_email's insert-or-nothing)."""
    if now.hour < current_app.config["UNREAD_EMAIL_DIGEST_HOUR"]:
        return
    daily = sa.select(EmailPreference.user_id).where(EmailPreference.unread == DAILY)
    per_user: dict[int, tuple[int, int]] = {}
    for user_id, _conversation, _count, first, last in db.session.execute(
        _unread_since(now - DAY).where(Member.user_id.in_(daily))
    ):
        low, high = per_user.get(user_id, (first, last))
        per_user[user_id] = (min(low, first), max(high, last))
    for user_id, (first, last) in per_user.items():
        insert(
            key=f"digest:{user_id}:{now.date().isoformat()}",
            user_id=user_id,
            conversation_id=None,
            first_message_id=first,
            last_message_id=last,
            state="pending",
            due_at=now,
            attempts=0,
        )


def compose_digest(email: UnreadEmail, now: datetime) -> Outgoing | None:
    """The digest, or None when nothing in it is still unread (or the user no longer wants it)."""
    user = db.session.get(User, email.user_id)
    settings = preference(email.user_id)
    if user is None or settings.unread != DAILY or not email_hooks.may_email(user):
        return None
    rows = []
    for _user, conversation_id, count, first_id, _last in db.session.execute(_unread_since(now - 2 * DAY, user.id)):
        member = db.session.get(Member, (conversation_id, user.id))
        if first_id > email.last_message_id or email_hooks.is_muted(member):
            continue
        sender = db.session.get(User, member.other_id)
        rows.append(
            {
                "sender": sender,
                "count": count,
                "preview": preview(db.session.get(Message, first_id).body),
                "link": public_url("messages.thread", username=sender.username),
            }
        )
    if not rows:
        return None
    total = sum(row["count"] for row in rows)
    headers = headers_for(email, user.id)
    context = {
        "user": user,
        "rows": rows,
        "total": total,
        "settings": public_url("email.settings"),
        "unsubscribe": headers["List-Unsubscribe"][1:-1],
    }
    with current_app.test_request_context("/"), force_locale(settings.locale or "en"):
        subject = ngettext(
            "[Microblog] Your day: %(num)d unread message", "[Microblog] Your day: %(num)d unread messages", total
        )
        return Outgoing(
            subject,
            user.email,
            render_template("email/digest.txt", **context),
            render_template("email/digest.html", **context),
            headers,
            email.last_message_id,
        )
