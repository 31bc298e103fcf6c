"""Sending email (Flask-Mailman over SMTP, settings from the environment), or writing it to the log.

Without MAIL_SERVER (as in `make run`) nothing is sent: the text part is logged, so a newcomer can follow
a password-reset link from the server's output.
"""

from __future__ import annotations

import smtplib

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail

mail = Mail()


class MailError(Exception):
    """The email could not be handed to the SMTP server (refused, unreachable or too slow)."""


def init_app(app: Flask) -> None:
    mail.init_app(app)


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


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for an email, built from the configured address (SERVER_NAME and
    PREFERRED_URL_SCHEME, or PUBLIC_URL), never from a request's Host (SPEC S22). A minimal version: the
    hostile-clients branch has the real one."""
    from flask import url_for

    if current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)
