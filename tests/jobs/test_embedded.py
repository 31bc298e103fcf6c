"""`make run` on a fresh clone: the demo data and the job worker embedded in the development server write
alice's unread-message email to the server log, with no extra command and no MAIL_SERVER (SPEC S18)."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa

from microblog import jobs
from microblog.extensions import db
from microblog.notifications.email_models import UnreadEmail
from tests.conftest import make_app, only_on, running


def sent_emails() -> int:
    db.session.commit()  # a fresh read: the worker writes on its own connection
    return db.session.scalar(sa.select(sa.func.count()).select_from(UnreadEmail).where(UnreadEmail.state == "sent"))


@only_on("sqlite")  # make run's database
def test_the_embedded_worker_logs_alices_email_from_the_demo_data(database_url, caplog):
    app = make_app(database_url)
    with running(app):
        assert app.config["JOBS_EMBEDDED"] is True  # development: on (flask run starts it, WERKZEUG_RUN_MAIN)
        assert "Demo users" in app.test_cli_runner().invoke(args=["demo-data"]).output
        jobs.huey.flush()
        with caplog.at_level(logging.WARNING):
            consumer = jobs.start_embedded()
            try:
                # Until alice's email is logged and the worker has marked the demo's emails sent: it logs an
                # email before it records it as sent, and alice's need not be the last of them.
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not (
                    "this email to alice@example.com" in caplog.text and sent_emails() >= 3
                ):
                    time.sleep(0.2)
            finally:
                consumer.stop(graceful=True)
                jobs.huey.flush()
        assert "MAIL_SERVER is not set: this email to alice@example.com is not sent." in caplog.text
        assert "[Microblog] 3 new messages from bob" in caplog.text
        assert sent_emails() >= 3
