"""The badge poll's memo (push/memo.py): an idle poll answered without a query, and never a stale or foreign
answer: a commit not yet heard, a session ended elsewhere, another token, a fan-out that is down."""

from __future__ import annotations

import time

import pytest

from microblog.auth.session import forged_cookie
from microblog.extensions import db
from microblog.push import get_push
from microblog.push.fanout import SQLiteWatcher
from microblog.push.memo import PollMemo
from tests.conftest import HTMX, make_app, only_on, running, send, statement_log
from tests.html import actor

BADGE = "/notifications/badge"
# The memo is SQLite's (PRAGMA data_version says that every commit was heard; PostgreSQL's NOTIFY cannot):
# on PostgreSQL the database answers every poll, as the first test checks.
SQLITE = only_on("sqlite")


@pytest.fixture
def memo_app(database_url):
    with running(make_app(database_url, POLL_MEMO=True)) as app:
        yield app
        get_push(app).stop()


@pytest.fixture
def statements(memo_app):
    """The statements the memo app runs inside `with statements.recording():` (conftest's fixture of the same
    name records the `app` fixture's engine, which these tests' requests never use)."""
    with memo_app.app_context():
        return statement_log(db.engine)


@pytest.fixture
def slow_watcher(monkeypatch):
    """The watcher looks once when it connects, then not again during the test: only the memo's own check
    (PRAGMA data_version) can see a commit."""
    monkeypatch.setattr(SQLiteWatcher, "interval", 60)


def poll(client, shown="0", activity="0"):
    return client.get(BADGE, query_string={"shown": shown, "activity": activity}, headers=HTMX)


def warm(client, app):
    """Poll until the memo holds this session's counts (the fan-out started and connected)."""
    assert poll(client).status_code == 204  # starts the fan-out
    assert get_push(app).fanout.connected.wait(10)
    assert poll(client).status_code == 204  # read and remembered


def signed_in(app, username):
    client = app.test_client()
    assert actor(client, username).signs_in().status == 303
    return client


def test_the_memo_is_off_under_testing_unless_asked_and_on_postgresql(app, memo_app, database_url):
    assert get_push(app).memo is None
    assert (get_push(memo_app).memo is None) == database_url.startswith("postgresql")


@SQLITE
def test_an_idle_poll_costs_no_query_once_remembered(memo_app, alice, statements):
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    with statements.recording() as log:
        assert poll(client).status_code == 204
    assert log.statements == []


@pytest.mark.usefixtures("slow_watcher")
@SQLITE
def test_a_commit_not_yet_heard_is_never_answered_from_the_memo(memo_app, alice, bob, statements):
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    with statements.recording() as log:
        assert poll(client).status_code == 204
    assert log.statements == []  # remembered...
    send(bob, alice, "hi")  # ...and a commit the watcher will not look at during this test
    news = poll(client)
    assert news.status_code == 200 and "1 unread message" in news.get_data(as_text=True)


@SQLITE
def test_a_new_message_is_seen_by_the_next_poll_and_then_remembered(memo_app, alice, bob, statements):
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    send(bob, alice, "hi")
    assert poll(client).status_code == 200  # at once, whether or not the watcher has looked yet
    time.sleep(0.3)  # the watcher looks every 50 ms: it has heard the send now
    assert poll(client, shown="1").status_code == 204
    with statements.recording() as log:
        assert poll(client, shown="1").status_code == 204
    assert log.statements == []
    assert poll(client, shown="0").status_code == 200  # the remembered count, not the page's


@pytest.mark.parametrize("heard", [False, True], ids=["at-once", "after-the-watcher-looked"])
@SQLITE
def test_a_password_changed_elsewhere_stops_a_remembered_poll(memo_app, alice, statements, heard):
    this_tab = signed_in(memo_app, "alice")
    warm(this_tab, memo_app)
    with statements.recording() as log:
        assert poll(this_tab).status_code == 204
    assert log.statements == []  # answered from the memo until...
    elsewhere = actor(memo_app.test_client(), "alice")
    elsewhere.signs_in()
    changed = elsewhere.opens("/auth/change_password").submits(
        "#change-password-form", current_password=elsewhere.password, password="n" * 10, password2="n" * 10
    )
    assert changed.status == 303
    if heard:
        time.sleep(0.3)
    assert poll(this_tab).status_code == 286


@SQLITE
def test_the_memo_never_answers_another_session_token(memo_app, alice):
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    forger = memo_app.test_client()
    forger.set_cookie("session", forged_cookie(memo_app, alice.id, "not-her-token"), domain="localhost")
    assert poll(forger).status_code == 286
    assert poll(client).status_code == 204


@SQLITE
def test_with_the_watcher_down_the_database_answers(memo_app, alice, bob):
    push = get_push(memo_app)
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    push.fanout.stop()
    deadline = time.monotonic() + 5
    while push.fanout.connected.is_set() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not push.fanout.connected.is_set()
    send(bob, alice, "hi")
    time.sleep(0.2)
    assert poll(client).status_code == 200
    db.session.remove()


def test_a_read_that_raced_a_forget_is_not_remembered():
    memo, reads = PollMemo(), []

    def read():
        reads.append(1)
        memo.forget(7)  # the fan-out heard a change for user 7 while the database was read
        return (1, 0)

    assert memo.read(lambda: True, 7, "token", read) == (1, 0)
    assert memo.read(lambda: True, 7, "token", lambda: (2, 0)) == (2, 0)  # read again: not remembered
    assert memo.read(lambda: True, 7, "token", lambda: (3, 0)) == (2, 0)  # now remembered
    assert memo.read(lambda: False, 7, "token", lambda: (3, 0)) == (3, 0)  # unsure: the database answers


def test_an_entry_is_trusted_for_a_limited_time_only():
    memo = PollMemo(max_age=0.05)
    assert memo.read(lambda: True, 7, "token", lambda: (1, 0)) == (1, 0)
    assert memo.read(lambda: True, 7, "token", lambda: (2, 0)) == (1, 0)  # remembered
    time.sleep(0.1)
    assert memo.read(lambda: True, 7, "token", lambda: (3, 0)) == (3, 0)  # too old: the database answers


def first_events(client, shown="0") -> list[str]:
    """The events a new stream sends on connect (its state), the stream then closed."""
    response = client.get(
        "/events",
        query_string={"shown": shown, "activity": "0"},
        headers={"Accept": "text/event-stream"},
        buffered=False,
    )
    try:
        assert response.status_code == 200
        chunk = next(iter(response.response)).decode()
    finally:
        response.close()
    return [line[len("event: ") :] for line in chunk.splitlines() if line.startswith("event: ")]


@SQLITE
def test_a_stream_opens_without_a_query_once_remembered(memo_app, alice, statements):
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    with statements.recording() as log:
        assert first_events(client) == ["message"]  # the page shows the counts: the badge is not told to refetch
    assert log.statements == []
    assert first_events(client, shown="3") == ["unread", "message"]  # the same rule as without the memo


@pytest.mark.usefixtures("slow_watcher")
@SQLITE
def test_a_commit_not_yet_heard_reaches_a_new_stream(memo_app, alice, bob):
    client = signed_in(memo_app, "alice")
    warm(client, memo_app)
    send(bob, alice, "hi")  # a commit the watcher will not look at during this test
    assert first_events(client) == ["unread", "message"]
