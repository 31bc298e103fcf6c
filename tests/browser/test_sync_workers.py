"""The tutorial's deployment, `gunicorn -w 2 "microblog:create_app()"` (sync workers), in Chromium (SPEC S21):
push turns itself off, so no tab pins a worker. Pages open no stream and keep answering with more tabs
than workers, `/events` answers 204 at once, the badge follows by polling, no worker is killed by gunicorn's
timeout, and the log says why push is off once per worker. (tests/push/test_servers.py: the detection.)"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tools.harness import databases
from tools.harness.server import Server

from .conftest import POLL_MS, sign_in
from .test_push import send

TIMEOUT = 6  # gunicorn's --timeout: a stream would pin a worker this long, then get it killed


@pytest.fixture
def sync_server(tmp_path, chromium_present):
    """Plain gunicorn (no config: sync workers), 2 workers, on an SQLite file with alice and bob."""
    url = "sqlite:///" + str(tmp_path / "sync.db")
    server = Server(url, 2, config=None, args=("--timeout", str(TIMEOUT), "--graceful-timeout", "1"))
    server.migrate()
    databases.insert_users(url, ["alice", "bob"], PASSWORD)
    server.start()
    yield server
    server.stop(10)


def test_sync_workers_turn_push_off_and_never_hang(sync_server, browser, watch):
    server, workers = sync_server, sorted(sync_server.worker_pids())
    contexts = [watch.attach(browser.new_context(base_url=server.base)) for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(5_000)  # well under --timeout: a pinned worker fails the test here
    alice, bob = contexts[0].new_page(), contexts[1].new_page()
    streams = []
    for context in contexts:
        context.on("request", lambda r: streams.append(r.url) if "/events" in r.url else None)
    alice.clock.install()  # her badge polls only when the test says so
    opened = time.monotonic()
    sign_in(alice, "alice")
    sign_in(bob, "bob")
    assert alice.locator("[sse-connect]").count() == 0
    assert alice.locator("#message-count").get_attribute("hx-trigger") == "every 10s"  # as with SSE_ENABLED=0

    # More signed-in tabs than workers, each a page load that answers.
    tabs = [contexts[0].new_page() for _ in range(3)]
    for tab, path in zip(tabs, ("/index", "/explore", "/messages")):
        assert tab.goto(path).status == 200

    # A page from before (or any EventSource) that asks for a stream gets 204 at once, not a held worker.
    answer = alice.request.get("/events", headers={"Accept": "text/event-stream"}, timeout=3_000)
    assert answer.status == 204 and answer.body() == b""

    # The badge follows by polling.
    send(bob, "alice", "Still there?")
    badge = alice.locator("#message-count .badge")
    expect(badge).to_be_hidden()
    with alice.expect_response(lambda r: "/notifications/badge" in r.url) as poll:
        alice.clock.run_for(POLL_MS)
    assert poll.value.status == 200
    expect(badge).to_have_text("1")

    # Past gunicorn's timeout with every tab open, pages still answer and no worker was killed.
    time.sleep(max(0.0, opened + TIMEOUT + 1 - time.monotonic()))
    for tab in [alice, bob, *tabs]:
        assert tab.reload().status == 200
    log = server.log_text()
    assert "WORKER TIMEOUT" not in log and sorted(server.worker_pids()) == workers, log[-2000:]
    assert streams == [], "a page opened a stream"
    # One warning per worker process that served a page, naming the server.
    warned = re.findall(r"Live push is off in this process \(pid (\d+)\): gunicorn/", log)
    assert warned and len(warned) == len(set(warned)) and {int(pid) for pid in warned} <= set(workers), log[-2000:]
