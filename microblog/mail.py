"""Sending email (Flask-Mailman over SMTP, settings from the environment), or writing it to the log.

Without MAIL_SERVER (as in `make run`) nothing is sent: the text part is logged, so a newcomer can follow
a password-reset link from the server's output.
"""

from __future__ import annotations

import smtplib

from flask import Flask, current_app, url_for
from flask_mailman import EmailMultiAlternatives, Mail

mail = Mail()


class MailError(Exception):
    """The email could not be handed to the SMTP server (refused, unreachable or too slow)."""


def init_app(app: Flask) -> None:
    mail.init_app(app)


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` for a link in an email."""
    return url_for(endpoint, _external=True, **values)


def may_email(user) -> bool:
    """Whether `user` may get email other than verification and password reset: a verified address."""
    return user.deleted_at is None and user.email_verified and user.has_address


def send_email(subject: str, recipient: str, text: str, html: str) -> None:
    """Send one email with a text and an HTML part; MailError when the server cannot take it."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        current_app.logger.warning("MAIL_SERVER is not set: this email to %s is not sent.\nSubject: %s\n\n%s",
                                   recipient, subject, text)
        return
    message = EmailMultiAlternatives(subject, text, config["MAIL_DEFAULT_SENDER"], [recipient])
    message.attach_alternative(html, "text/html")
    try:
        # MAIL_TIMEOUT bounds every socket operation: a slow server never holds a worker for long.
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("sending email to %s failed: %r", recipient, error)
        raise MailError(str(error)) from error
