"""The background jobs: each runs in the app's context and calls one feature function."""

from __future__ import annotations

from huey import crontab

from .queue import app, huey


@huey.periodic_task(crontab(minute="*"))
def scan_unread_email():
    """Every minute, on every worker (safe: what is owed is recorded once): hand each due email (a burst's,
    or a day's digest) to a job."""
    from ..notifications.unread_email import owe

    with app().app_context():
        for email_id in owe():
            send_unread_email(email_id)


@huey.task(retries=4, retry_delay=60, context=True)
def send_unread_email(email_id: int, task=None):
    """Send one owed email once; a refused or slow SMTP server raises MailError and Huey retries later."""
    from ..notifications.unread_email import deliver

    with app().app_context():
        return deliver(email_id)


@huey.task(retries=2, retry_delay=60)
def build_export(export_id: int):
    """Build a user's data export (microblog/export) and tell them."""
    from ..export.exports import run

    with app().app_context():
        return run(export_id)


@huey.periodic_task(crontab(minute="7"))
def remove_expired_exports():
    """Hourly: delete the export files whose 24-hour link has expired."""
    from ..export.exports import remove_expired

    with app().app_context():
        return remove_expired()
