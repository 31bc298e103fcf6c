"""The words of an unread-message email: who wrote, a short preview, how many, the link; in the
recipient's language, a text and an HTML part, and a one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_mailman import EmailMultiAlternatives
from itsdangerous import BadData, URLSafeSerializer

from ..extensions import db
from ..mail import MailError, public_url
from ..messages.models import Member, Message
from ..users.models import User
from . import email_hooks
from .email_models import AT_ONCE, EmailPreference, UnreadEmail

PREVIEW = 80  # characters of the first new message
UNSUBSCRIBE_SALT = "unsubscribe-unread-email"


def unsubscribe_token(user_id: int) -> str:
    """A signed token naming the user: the unsubscribe link works signed out and never expires."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).dumps(user_id)


def user_id_for(token: str) -> int | None:
    """The user a genuine token names; None for a tampered or malformed one."""
    if len(token) > 200:
        return None
    try:
        user_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(token)
    except BadData:
        return None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


def preference(user_id: int) -> EmailPreference:
    return db.session.get(EmailPreference, user_id) or EmailPreference(user_id=user_id, unread=AT_ONCE)


def preview(body: str) -> str:
    return body if len(body) <= PREVIEW else body[: PREVIEW - 1].rstrip() + "…"


@dataclass
class Outgoing:
    subject: str
    to: str
    text: str
    html: str
    headers: dict = field(default_factory=dict)
    last_message_id: int = 0

    def send(self) -> None:
        """Hand it to the SMTP server (MAIL_TIMEOUT bounds every wait), or to the log without MAIL_SERVER."""
        config = current_app.config
        if not config.get("MAIL_SERVER"):
            current_app.logger.warning(
                "MAIL_SERVER is not set: this email to %s is not sent.\nSubject: %s\n%s\n\n%s",
                self.to,
                self.subject,
                "\n".join(f"{k}: {v}" for k, v in self.headers.items()),
                self.text,
            )
            return
        message = EmailMultiAlternatives(
            self.subject, self.text, config["MAIL_DEFAULT_SENDER"], [self.to], headers=self.headers
        )
        message.attach_alternative(self.html, "text/html")
        try:
            message.send()
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(str(error)) from error


def headers_for(email: UnreadEmail, user_id: int) -> dict:
    unsubscribe = public_url("email.unsubscribe", token=unsubscribe_token(user_id))
    domain = public_url("posts.index").split("/")[2].split(":")[0]
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Message-ID": f"<{email.key.replace(':', '.')}@{domain}>",
        "Auto-Submitted": "auto-generated",
    }


def compose(email: UnreadEmail) -> Outgoing | None:
    """The email for an owed burst, or None when it is no longer wanted: read or unsent since, the
    recipient active since, muted, emails turned off, or an address we may not write to."""
    user = db.session.get(User, email.user_id)
    member = db.session.scalar(
        sa.select(Member).where(Member.user_id == email.user_id, Member.conversation_id == email.conversation_id)
    )
    settings = preference(email.user_id)
    if (
        user is None
        or member is None
        or settings.unread != AT_ONCE
        or not email_hooks.may_email(user)
        or email_hooks.is_muted(member)
    ):
        return None
    floor = max(member.last_read_message_id, member.cleared_before_id, email.first_message_id - 1)
    new = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Message.id), sa.func.max(Message.id)).where(
            Message.conversation_id == member.conversation_id, Message.recipient_id == user.id, Message.id > floor
        )
    ).one()
    count, first_id, last_id = new
    if not count:
        return None
    first = db.session.get(Message, first_id)
    if user.last_seen is not None and user.last_seen >= first.timestamp:
        return None
    sender = db.session.get(User, member.other_id)
    headers = headers_for(email, user.id)
    context = {
        "user": user,
        "sender": sender,
        "count": count,
        "preview": preview(first.body),
        "link": public_url("messages.thread", username=sender.username),
        "settings": public_url("email.settings"),
        "unsubscribe": headers["List-Unsubscribe"][1:-1],
    }
    # A job has no request: the templates get one of their own (no user in it), in the recipient's language.
    with current_app.test_request_context("/"), force_locale(settings.locale or "en"):
        subject = ngettext(
            "[Microblog] %(num)d new message from %(username)s",
            "[Microblog] %(num)d new messages from %(username)s",
            count,
            username=sender.username,
        )
        return Outgoing(
            subject,
            user.email,
            render_template("email/unread.txt", **context),
            render_template("email/unread.html", **context),
            headers,
            last_id,
        )
