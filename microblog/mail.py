"""Sending email (Flask-Mailman over SMTP, settings from the environment), or writing it to the log; and
`public_url()`, the one way to put an absolute link in an email.

Without MAIL_SERVER (as in `make run`) nothing is sent: the text part is logged, so a newcomer can follow
a password-reset link from the server's output. In production the body is never logged (it may carry a
live reset link): only who and what.
"""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail
from flask_mailman.message import sanitize_address

from .database import end_read

mail = Mail()


class MailError(Exception):
    """The email could not be handed to the SMTP server (refused, unreachable, too slow, or an address it
    cannot encode)."""


def configured_base(config) -> str | None:
    """The site's public address from the configuration: PUBLIC_URL, else SERVER_NAME with
    PREFERRED_URL_SCHEME; None when neither is set. Never the request's Host (SPEC S22)."""
    if config.get("PUBLIC_URL"):
        return str(config["PUBLIC_URL"]).rstrip("/")
    if config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    return None


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the configured public address, for emails: a request's `Host`
    header (which a client chooses) never goes into a link we send."""
    config = current_app.config
    base = configured_base(config)
    if base is None:
        if config.get("ENV_NAME") == "production":  # check_production() refuses to start this way
            raise RuntimeError("set PUBLIC_URL (or SERVER_NAME) to build links for emails")
        base = config["DEVELOPMENT_URL"]  # `make run`'s address: dev emails work as they are
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def trusted_hosts(config) -> list[str] | None:
    """TRUSTED_HOSTS when set; else the public address's host, so requests naming another host get 400."""
    if config.get("TRUSTED_HOSTS") is not None:
        return config["TRUSTED_HOSTS"]
    base = configured_base(config)
    return [urlsplit(base).hostname] if base else None


def can_send_to(address: str) -> bool:
    """Whether the mailer can put `address` in a header: a long non-ASCII local part (`ß` x 25) or a
    domain IDNA refuses cannot be encoded, and would fail at every send."""
    try:
        sanitize_address(address, "utf-8")
    except (ValueError, UnicodeError, IndexError):
        return False
    return True


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    mail.init_app(app)


def may_email(user) -> bool:
    """Whether `user` may get email other than verification and password reset: a verified address."""
    return user.deleted_at is None and user.email_verified and user.has_address


def send_email(subject: str, recipient: str, text: str, html: str) -> None:
    """Send one email with a text and an HTML part; MailError when the server cannot take it."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if config.get("ENV_NAME") == "production":
            current_app.logger.warning(
                "MAIL_SERVER is not set: an email to %s is not sent (subject: %s; its "
                "text is not logged, it may hold a live link).",
                recipient,
                subject,
            )
        else:
            current_app.logger.warning(
                "MAIL_SERVER is not set: this email to %s is not sent.\nSubject: %s\n\n%s", recipient, subject, text
            )
        return
    message = EmailMultiAlternatives(subject, text, config["MAIL_DEFAULT_SENDER"], [recipient])
    message.attach_alternative(html, "text/html")
    end_read()  # an SMTP server may take MAIL_TIMEOUT seconds: no database lock is held meanwhile
    try:
        # MAIL_TIMEOUT bounds every socket operation: a slow server never holds a worker for long.
        message.send()
    except (OSError, smtplib.SMTPException, ValueError, UnicodeError) as error:
        # ValueError/UnicodeError: an address the mailer cannot encode (a long non-ASCII local part).
        current_app.logger.error("sending email to %s failed: %r", recipient, error)
        raise MailError(str(error)) from error
