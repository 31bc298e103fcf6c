"""Exactly once (SPEC S18): 4 job workers in two groups ("hosts", `python -m microblog.jobs.worker`) on
PostgreSQL; group A is killed (SIGKILL) while it holds an email in the middle of an SMTP conversation, the
SMTP server then refuses for a while (451), group A restarts beside group B: every burst reaches the real
aiosmtpd server exactly once. No clock is moved by sleeping: the messages are dated in the past, the lease
and retry hold are a few seconds (environment), and the test polls the database briefly."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from microblog.database import utcnow
from microblog.extensions import db
from microblog.jobs import huey, tasks
from microblog.messages.models import Message
from microblog.notifications.email_models import UnreadEmail
from microblog.users.models import User
from tools.harness.server import free_port
from tests.conftest import make_user, only_on, send

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS, SENDERS = 4, 3  # 12 conversation bursts
REFUSALS = 5


class Server:
    """Hangs in the first RCPT (long enough for the test to kill that worker), then refuses REFUSALS
    emails with 451, then takes every one; `received` is what it took."""

    def __init__(self):
        self.received: list[email.message.Message] = []
        self.hung = threading.Event()
        self.refusals = REFUSALS

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.hung.is_set():
            self.hung.set()
            await asyncio.sleep(8)  # the worker in this conversation is killed meanwhile
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 try again later"
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def start_group(database_url: str, port: int, log: Path) -> subprocess.Popen:
    """One "host": a worker process with 2 worker threads, in its own process group."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "x" * 40,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_TIMEOUT": "15",
        "UNREAD_EMAIL_LEASE_SECONDS": "4",
        "UNREAD_EMAIL_RETRY_SECONDS": "1",
        "UNREAD_EMAIL_MAX_ATTEMPTS": "20",
        "PUBLIC_URL": "https://microblog.test",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "microblog.jobs.worker", "--workers", "2", "--max-delay", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def states() -> dict[str, int]:
    db.session.commit()
    rows = db.session.execute(sa.select(UnreadEmail.state, sa.func.count()).group_by(UnreadEmail.state)).all()
    return dict(rows)


@pytest.mark.slow
@only_on("postgresql")
def test_each_burst_is_emailed_exactly_once_across_kills_refusals_and_restarts(app, database_url, tmp_path):
    recipients = [make_user(f"reader{i}") for i in range(RECIPIENTS)]
    senders = [make_user(f"writer{i}") for i in range(SENDERS)]
    for recipient in recipients:
        for sender in senders:
            send(sender, recipient, f"from {sender.username}")
            send(sender, recipient, f"again from {sender.username}")
    db.session.execute(sa.update(Message).values(timestamp=utcnow() - timedelta(minutes=20)))
    db.session.execute(sa.update(User).values(last_seen=utcnow() - timedelta(hours=1)))
    db.session.commit()
    huey.flush()

    server = Server()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    log = tmp_path / "workers.log"
    groups = []
    try:
        group_a = start_group(database_url, controller.port, log)
        groups.append(group_a)
        tasks.scan_unread_email()  # what each worker's periodic scan does every minute
        assert server.hung.wait(timeout=30), log.read_text()
        stop(group_a, signal.SIGKILL)  # the host dies in the middle of an SMTP conversation (its other thread
        # may have sent some meanwhile: they must not go again)

        groups += [start_group(database_url, controller.port, log), start_group(database_url, controller.port, log)]
        deadline = time.monotonic() + 90
        while states().get("sent", 0) < RECIPIENTS * SENDERS and time.monotonic() < deadline:
            tasks.scan_unread_email()  # both hosts' scans, faster than once a minute
            tasks.scan_unread_email()
            time.sleep(0.5)
    finally:
        for group in groups:
            stop(group)
        controller.stop()
        huey.flush()

    output = log.read_text()
    assert states() == {"sent": RECIPIENTS * SENDERS}, output
    received = [(m["To"], m["Subject"]) for m in server.received]
    expected = sorted(
        (f"reader{i}@example.com", f"[Microblog] 2 new messages from writer{j}")
        for i in range(RECIPIENTS)
        for j in range(SENDERS)
    )
    assert sorted(received) == expected, "each burst exactly once"
    assert len({m["Message-ID"] for m in server.received}) == RECIPIENTS * SENDERS
    assert server.refusals == 0 and output.count("retrying") >= REFUSALS, output
