"""Push turns itself off on a server that cannot hold idle streams (SPEC S21): the detection, told the WSGI
environ that gunicorn's sync, gthread and gevent workers and werkzeug's servers really pass, and the app
behind it (pages poll, `/events` answers 204, one warning). tests/browser/test_sync_workers.py serves the
app with plain `gunicorn -w 2` and watches it in Chromium."""

from __future__ import annotations

import http.client
import logging
import subprocess
import sys

import pytest
from gunicorn.config import Config
from gunicorn.http.wsgi import base_environ
from werkzeug.test import EnvironBuilder

from microblog.push.servers import gevent_patched, holds_idle_streams
from tests.conftest import PASSWORD, make_app, make_user, running
from tests.html import by_id, page
from tools.harness import databases
from tools.harness.browser import Browser
from tools.harness.server import Server

from .test_push import SSE


def gunicorn_environ(worker: str) -> dict:
    """What gunicorn 27 passes the app: its base environ (http/wsgi.py), `gunicorn.socket`, and
    `wsgi.multithread` True from the gthread and gevent workers (gthread.py, base_async.py)."""
    cfg = Config()
    cfg.set("workers", 2)
    environ = {**base_environ(cfg), "gunicorn.socket": object()}
    if worker != "sync":
        environ["wsgi.multithread"] = True
    return environ


def werkzeug_environ(threaded: bool) -> dict:
    """What werkzeug's development server passes (serving.py: SERVER_SOFTWARE, wsgi.multithread)."""
    environ = EnvironBuilder().get_environ()
    environ.update({"SERVER_SOFTWARE": "Werkzeug/3.1.3", "wsgi.multithread": threaded})
    return environ


SYNC = {k: v for k, v in gunicorn_environ("sync").items() if k in ("SERVER_SOFTWARE", "wsgi.multithread")}


def uwsgi_environ(threads: bool) -> dict:
    """What uWSGI passes (an environ it printed: no SERVER_SOFTWARE, `uwsgi.version`, `wsgi.multithread`)."""
    environ = EnvironBuilder().get_environ()
    environ.update({"uwsgi.version": b"2.0.28", "uwsgi.core": 1, "wsgi.multithread": threads})
    return environ


@pytest.mark.parametrize(
    ("environ", "testing", "holds"),
    [
        (gunicorn_environ("sync"), False, False),  # one request per worker: a stream pins it until --timeout
        (gunicorn_environ("gthread"), False, False),  # a fixed pool of threads: a stream pins one
        ({**gunicorn_environ("sync"), "SERVER_SOFTWARE": "custom"}, False, False),  # gunicorn.socket says gunicorn
        (uwsgi_environ(threads=False), False, False),  # processes, one request each
        (uwsgi_environ(threads=True), True, False),  # a fixed pool of threads, even in TESTING
        (werkzeug_environ(threaded=True), False, True),  # `flask run`: a thread per connection
        (werkzeug_environ(threaded=False), False, False),  # `flask run --without-threads`
        (EnvironBuilder().get_environ(), True, True),  # the test client: no server, the test reads the stream
        (EnvironBuilder().get_environ(), False, False),  # the same environ outside TESTING: one at a time
    ],
    ids=[
        "gunicorn-sync",
        "gunicorn-gthread",
        "gunicorn-renamed",
        "uwsgi-processes",
        "uwsgi-threads",
        "werkzeug-threaded",
        "werkzeug-single",
        "test-client",
        "no-server-name",
    ],
)
def test_which_servers_hold_idle_streams(environ, testing, holds):
    assert not gevent_patched()  # this test process is not monkey-patched
    assert holds_idle_streams(environ, testing) is holds


def test_under_gevent_every_server_holds_streams():
    """gunicorn's gevent worker patches the socket module before it loads the app: the same environ as
    gthread's (multithread, SERVER_SOFTWARE gunicorn) then holds streams. In a process of its own."""
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "from microblog.push.servers import gevent_patched, holds_idle_streams\n"
        "environ = {'SERVER_SOFTWARE': 'gunicorn/27.0.1', 'wsgi.multithread': True, 'gunicorn.socket': None}\n"
        "print(gevent_patched(), holds_idle_streams(environ))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["True", "True"]


@pytest.fixture
def push_app(database_url):
    with running(make_app(database_url)) as app:
        make_user("alice")
        make_user("bob")
        yield app


def served_by(client, environ: dict):
    """Every request of `client` from now on arrives through the server that passes `environ`."""
    real_open = client.open
    client.open = lambda *args, **kwargs: real_open(*args, environ_overrides=environ, **kwargs)
    return client


def test_on_sync_workers_pages_poll_and_events_answers_204_with_one_warning(push_app, caplog, signed_in):
    client = served_by(signed_in("alice", app=push_app).client, SYNC)
    with caplog.at_level(logging.WARNING, logger="microblog.push"):
        soup = page(client.get("/index"))
        assert not soup.select("[sse-connect]") and not soup.select('script[src*="sse"]')
        assert by_id(soup, "message-count")["hx-trigger"] == "every 10s"  # as with SSE_ENABLED=0
        assert by_id(page(client.get("/messages/bob")), "thread-poller")["hx-trigger"] == "every 3s"
        for _ in range(3):
            response = client.get("/events", headers=SSE)
            assert response.status_code == 204 and response.data == b""  # an EventSource stops on 204
            assert response.headers["Cache-Control"] == "no-store"
        page(client.get("/index"))
    warnings = [r for r in caplog.records if r.name == "microblog.push" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "Live push is off" in warnings[0].getMessage() and "gunicorn/" in warnings[0].getMessage()


def test_a_threaded_server_keeps_push_on_without_a_warning(push_app, caplog, signed_in):
    client = served_by(
        signed_in("alice", app=push_app).client, {"SERVER_SOFTWARE": "Werkzeug/3.1.3", "wsgi.multithread": True}
    )
    with caplog.at_level(logging.WARNING, logger="microblog.push"):
        soup = page(client.get("/index"))
    assert by_id(soup, "live")["sse-connect"].startswith("/events?shown=0")
    assert "sse:unread" in by_id(soup, "message-count")["hx-trigger"]
    assert not [r for r in caplog.records if r.name == "microblog.push"]


def test_push_off_by_setting_logs_nothing(database_url, caplog, signed_in):
    """SSE_ENABLED=0 is the operator's choice, not a problem: no warning, even on sync workers."""
    with running(make_app(database_url, SSE_ENABLED=False)) as app:
        make_user("alice")
        client = served_by(signed_in("alice", app=app).client, SYNC)
        with caplog.at_level(logging.WARNING, logger="microblog.push"):
            assert client.get("/events", headers=SSE).status_code == 204
            assert not page(client.get("/index")).select("[sse-connect]")
    assert not [r for r in caplog.records if r.name == "microblog.push"]


@pytest.mark.slow
def test_make_serves_gevent_workers_keep_push_on(tmp_path):
    """The other side, for real: gunicorn with `make serve`'s config (gevent workers) renders the stream
    and serves `/events`, and logs no warning."""
    url = "sqlite:///" + str(tmp_path / "gevent.db")
    server = Server(url, 1, args=("--graceful-timeout", "1"))
    server.migrate()
    databases.insert_users(url, ["alice"], PASSWORD)
    server.start()
    try:
        alice = Browser(server.port, "alice")
        assert alice.sign_in(PASSWORD)
        home = alice.request("home", "GET", "/index")
        assert 'sse-connect="/events?shown=0' in home.body
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/events", headers={"Accept": "text/event-stream", "Cookie": alice.cookie_header()})
        stream = conn.getresponse()
        assert stream.status == 200 and stream.getheader("Content-Type").startswith("text/event-stream")
        assert stream.readline().startswith(b"retry: ")  # the stream's first line; it stays open
        conn.close()
        assert "Live push is off" not in server.log_text()
    finally:
        server.stop(10)
