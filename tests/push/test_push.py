"""Live push (SPEC S13): the stream the page opens, what wakes it, who it wakes, and its limits."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.push import get_push
from microblog.push.fanout import LISTENER_NAME, parse_payload
from microblog.push.hub import Hub
from tests.conftest import PASSWORD, make_app, make_user, only_on
from tests.html import actor, by_id, page, submit

SSE = {"Accept": "text/event-stream"}


@pytest.fixture
def push_app(database_url):
    """The app with short heartbeats (a test that waits for an event never waits long), its fan-out
    listening before the first stream opens (so no stream gets the fan-out's "connected" state twice)."""
    app = make_app(database_url, SSE_HEARTBEAT_SECONDS=0.2)
    with app.app_context():
        get_push(app).ensure_started()
        ready(app)
        yield app
        get_push(app).stop()
        db.session.remove()
        db.engine.dispose()


class Stream:
    """A browser's EventSource on /events: read events as they come, with a deadline."""

    def __init__(self, client, headers=SSE, url="/events"):
        self.response = client.get(url, headers=headers, buffered=False)
        self._chunks = iter(self.response.response)
        self.raw = ""

    def read_until(self, *wanted: str, timeout: float = 5.0) -> list[str]:
        """Event names received until every `wanted` one arrived (or the stream ended, or the deadline)."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not set(wanted) <= set(seen):
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
            self.raw += chunk
            seen += [line[len("event: ") :] for line in chunk.splitlines() if line.startswith("event: ")]
        return seen

    def close(self):
        self.response.close()


def ready(app):
    """Wait until this process's fan-out listens (the first stream starts it)."""
    assert get_push(app).fanout.connected.wait(10), "the push fan-out did not connect"


def test_signed_in_pages_open_one_stream_around_the_badge(push_app, alice, signed_in):
    soup = page(signed_in("alice", app=push_app).client.get("/index"))
    live = by_id(soup, "live")
    assert (live["hx-ext"], live["sse-connect"], live["sse-close"]) == ("sse", "/events?shown=0&activity=0", "close")
    assert live.find(id="message-count") is not None and live.find(id="main") is not None
    assert "sse:unread" in by_id(soup, "message-count")["hx-trigger"].split(", ")
    assert len(soup.select("[sse-connect]")) == 1
    assert soup.select_one('script[src$="htmx-ext-sse-2.2.4.min.js"]') is not None


def test_anonymous_pages_open_no_stream(push_app):
    soup = page(push_app.test_client().get("/auth/login"))
    assert not soup.select("[sse-connect]") and not soup.select('script[src*="sse"]')


def test_push_turned_off_renders_no_stream_and_the_badge_only_polls(database_url, signed_in):
    app = make_app(database_url, SSE_ENABLED=False)
    with app.app_context():
        make_user("alice"), make_user("bob")
        client = signed_in("alice", app=app).client
        soup = page(client.get("/index"))
        assert not soup.select("[sse-connect]")
        assert by_id(soup, "message-count")["hx-trigger"] == "every 10s"
        assert by_id(page(client.get("/messages/bob")), "thread-poller")["hx-trigger"] == "every 3s"
        response = client.get("/events", headers=SSE)
        assert response.status_code == 204  # an EventSource stops on 204
        db.session.remove()
        db.engine.dispose()


def test_an_open_conversation_sits_inside_the_stream_and_refetches_on_its_event(push_app, alice, bob, signed_in):
    soup = page(signed_in("alice", app=push_app).client.get("/messages/bob"))
    poller = by_id(soup, "thread-poller")
    assert poller["hx-trigger"] == "every 3s, sse:message"
    assert poller.find_parent(id="live") is not None and by_id(soup, "live")["sse-connect"].startswith("/events")


def test_stream_headers_and_state_on_every_connect(push_app, alice, signed_in):
    client = signed_in("alice", app=push_app).client
    for _ in range(2):  # a reconnect is a new connect: it starts with the state again
        stream = Stream(client)
        response = stream.response
        assert response.status_code == 200
        assert response.mimetype == "text/event-stream"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Accel-Buffering"] == "no"
        assert stream.read_until("unread", "message") == ["unread", "message"]
        assert stream.raw.startswith("retry: 2000\n")
        stream.close()


def test_the_state_on_connect_refetches_the_badge_only_when_the_page_shows_another_count(
    push_app, alice, bob, signed_in
):
    from tests.conftest import send

    send(bob, alice, "hi")
    time.sleep(0.3)  # SQLite's watcher looks every 50 ms: let it pass this send before the stream opens
    client = signed_in("alice", app=push_app).client
    url = by_id(page(client.get("/index")), "live")["sse-connect"]
    assert url == "/events?shown=1&activity=0"
    fresh = Stream(client, url=url)  # the page just rendered 1: nothing for the badge to refetch
    assert fresh.read_until("message") == ["message"]
    assert fresh.read_until("unread", timeout=0.5) == []
    send(bob, alice, "hi again")  # while a dropped stream was away: its reconnect brings the badge up to date
    again = Stream(client, url=url)
    assert again.read_until("unread", "message") == ["unread", "message"]
    fresh.close()
    again.close()


def test_heartbeats_keep_an_idle_stream_open(push_app, alice, signed_in):
    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("message")
    before = stream.raw
    stream.read_until("never", timeout=0.7)
    assert stream.raw[len(before) :].count(": heartbeat\n\n") >= 2
    stream.close()


def test_a_stream_holds_no_database_connection(push_app, alice, signed_in):
    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("message")
    db.session.remove()
    assert db.engine.pool.checkedout() == 0
    stream.close()


def test_opening_a_stream_never_holds_two_pooled_connections(push_app, signed_in):
    """A burst of streams (every tab after a deploy) must not starve the pool: one connection at a time."""
    make_user("alice")  # not the `alice` fixture: its app's context would hide push_app's engine
    client = signed_in("alice", app=push_app).client
    db.session.remove()
    out, peak = [0], [0]

    def checkout(*_):
        out[0] += 1
        peak[0] = max(peak[0], out[0])

    def checkin(*_):
        out[0] -= 1

    pool = db.engine.pool
    sa.event.listen(pool, "checkout", checkout)
    sa.event.listen(pool, "checkin", checkin)
    try:
        stream = Stream(client)
        stream.read_until("unread", "message")
    finally:
        sa.event.remove(pool, "checkout", checkout)
        sa.event.remove(pool, "checkin", checkin)
    assert (peak[0], out[0]) == (1, 0)
    stream.close()


def test_a_sent_message_wakes_the_recipient_and_the_sender_only(push_app, alice, bob, signed_in):
    carol = make_user("carol")
    streams = {name: Stream(signed_in(name, app=push_app).client) for name in ("alice", "bob", "carol")}
    for stream in streams.values():
        stream.read_until("unread", "message")
    ready(push_app)
    bob_client = signed_in("bob", app=push_app).client
    form = by_id(page(bob_client.get("/messages/alice")), "message-form")
    assert submit(bob_client, form, message="secret words").status_code == 303
    alice_events = streams["alice"].read_until("unread", "message")
    assert {"unread", "message"} <= set(alice_events)
    assert "message" in streams["bob"].read_until("message")
    assert "unread" not in streams["bob"].read_until("unread", timeout=0.5)
    assert streams["carol"].read_until("unread", "message", timeout=0.5) == []
    for stream in streams.values():  # events carry no text: only their names
        assert "secret" not in stream.raw
        stream.close()
    assert carol.id


def test_reading_drops_the_badge_in_the_readers_other_tabs(push_app, alice, bob, signed_in):
    from tests.conftest import send

    send(bob, alice, "hello")
    time.sleep(0.3)  # let SQLite's watcher pass this send: the event we wait for is the read's
    other_tab = Stream(signed_in("alice", app=push_app).client)
    other_tab.read_until("unread", "message")
    ready(push_app)
    reader = signed_in("alice", app=push_app).client
    assert reader.get("/messages/bob").status_code == 200  # opening the thread marks it read
    assert "unread" in other_tab.read_until("unread")
    assert reader.get("/notifications/badge", query_string={"shown": "1"}).status_code == 200  # the refetch: 0
    other_tab.close()


def test_a_rolled_back_change_wakes_nobody(push_app, alice, signed_in):
    from microblog.push import UNREAD, publish

    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("unread", "message")
    ready(push_app)
    publish(alice.id, UNREAD)
    db.session.rollback()
    assert stream.read_until("unread", timeout=0.6) == []
    publish(alice.id, UNREAD)
    db.session.commit()
    assert stream.read_until("unread") == ["unread"]
    stream.close()


@pytest.mark.parametrize("how", ["sign-out elsewhere", "password change"])
def test_a_stream_whose_session_ended_is_closed(push_app, alice, how, signed_in):
    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("message")
    ready(push_app)
    other = signed_in("alice", app=push_app).client
    if how == "sign-out elsewhere":
        assert actor(other).signs_out().status in (302, 303)
    else:
        response = (
            actor(other)
            .opens("/auth/change_password")
            .submits(
                "#change-password-form",
                current_password=PASSWORD,
                password="a brand new passphrase",
                password2="a brand new passphrase",
            )
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert stream.read_until("close")[-1] == "close"
    assert next(stream._chunks, None) is None  # and the stream ends
    stream.close()


def test_an_anonymous_stream_is_told_to_close(push_app):
    stream = Stream(push_app.test_client())
    assert stream.response.status_code == 200
    assert stream.read_until("close") == ["close"]


def test_a_request_that_is_not_an_event_source_gets_406(push_app, alice, signed_in):
    response = signed_in("alice", app=push_app).client.get("/events")
    assert response.status_code == 406
    assert by_id(page(response), "error")


def test_caps_answer_503_with_retry_after_and_the_page_keeps_polling(database_url, signed_in):
    app = make_app(database_url, SSE_HEARTBEAT_SECONDS=0.2, SSE_MAX_STREAMS_PER_USER=2, SSE_MAX_STREAMS=3)
    with app.app_context():
        for name in ("alice", "bob"):
            make_user(name)
        alice, bob = signed_in("alice", app=app).client, signed_in("bob", app=app).client
        open_streams = [Stream(alice), Stream(alice)]
        over_user = Stream(alice)
        assert over_user.response.status_code == 503 and over_user.response.headers["Retry-After"] == "30"
        open_streams.append(Stream(bob))
        over_process = Stream(bob)
        assert over_process.response.status_code == 503
        assert "sse:unread" in by_id(page(alice.get("/index")), "message-count")["hx-trigger"]
        assert alice.get("/notifications/badge", query_string={"shown": "0"}).status_code == 204
        open_streams.pop(0).close()  # a closed tab frees its place
        assert Stream(alice).response.status_code == 200
        for stream in open_streams:
            stream.close()
        get_push(app).stop()
        db.session.remove()
        db.engine.dispose()


def test_over_the_cap_a_connect_costs_no_query(database_url, signed_in):
    """SPEC S22: the per-user cap is taken before the user is loaded, so a flood of connects from one
    account is refused without touching the database (and starves no bystander's page)."""
    app = make_app(database_url, SSE_HEARTBEAT_SECONDS=0.2, SSE_MAX_STREAMS_PER_USER=1)
    with app.app_context():
        make_user("alice")
        alice = signed_in("alice", app=app).client
        stream = Stream(alice)
        assert stream.response.status_code == 200
        seen: list[str] = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            refused = [Stream(alice).response for _ in range(20)]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert [r.status_code for r in refused] == [503] * 20
        assert seen == []
        stream.close()
        get_push(app).stop()
        db.session.remove()
        db.engine.dispose()


def test_shutdown_ends_streams_without_the_close_event(push_app, alice, signed_in):
    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("message")
    get_push(push_app).hub.close_all()
    assert "close" not in stream.read_until("close", timeout=2)  # the browser reconnects elsewhere
    assert next(stream._chunks, None) is None
    assert Stream(signed_in("alice", app=push_app).client).response.status_code == 503  # no new streams while stopping


@only_on("postgresql")  # the LISTEN connection is PostgreSQL's
def test_the_listener_reconnects_and_sends_fresh_state(push_app, alice, database_url, signed_in):
    push = get_push(push_app)
    push.fanout.min_delay = 0.1
    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("unread", "message")
    ready(push_app)
    with db.engine.connect() as conn:
        killed = (
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid = :pid"
                ),
                {"name": LISTENER_NAME, "pid": push.fanout.backend_pid},
            )
            .scalars()
            .all()
        )
    assert killed == [True]
    assert {"unread", "message"} <= set(stream.read_until("unread", "message", timeout=10))
    stream.close()


def test_the_hub_wakes_only_the_users_streams():
    hub = Hub()
    a1, a2 = hub.subscribe(1, 5, 10), hub.subscribe(1, 5, 10)
    b = hub.subscribe(2, 5, 10)
    hub.deliver(1, ("unread",))
    assert a1.wait(0) == {"unread"} and a2.wait(0) == {"unread"} and b.wait(0) == set()
    hub.unsubscribe(a1)
    hub.unsubscribe(a1)
    assert len(hub) == 2


@pytest.mark.parametrize("payload", ["", "x:unread", "1:", "1:bogus", "-1:unread", "9" * 30 + ":unread"])
def test_malformed_notifications_are_ignored(payload):
    assert parse_payload(payload) is None


def test_publish_refuses_unknown_events(push_app):
    from microblog.push import publish

    with pytest.raises(ValueError):
        publish(1, "everything")


def test_the_page_gate_bounds_pages_but_never_streams():
    """make serve's gevent workers run at most PAGE_CONCURRENCY page requests at once; streams never wait."""
    import threading

    from microblog.push.gunicorn_conf import PageGate

    gate = PageGate(lambda environ, start_response: [environ["PATH_INFO"].encode()], 1)
    gate.gate.acquire()  # one page request in flight
    assert gate({"PATH_INFO": "/events"}, None) == [b"/events"]
    done = threading.Event()
    waiting = threading.Thread(target=lambda: (gate({"PATH_INFO": "/index"}, None), done.set()))
    waiting.start()
    assert not done.wait(0.3)  # a second page request waits for the first
    gate.gate.release()
    assert done.wait(5)
    waiting.join()
