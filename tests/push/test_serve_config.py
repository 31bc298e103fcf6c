"""`make serve`'s gunicorn (microblog/push/gunicorn_conf.py) answers one request per connection (bench/README.md
"The page tail": gevent's keep-alive connections were served unfairly under load), and a stream's body, now
its bare generator, still leaves the hub when the server closes it before it started."""

from __future__ import annotations

import http.client

import pytest

from microblog.push import get_push
from tools.harness.server import Server

from .test_push import SSE, push_app  # noqa: F401 - push_app: the fixture


@pytest.mark.slow  # starts gunicorn with gevent workers (~5 s): in `make test` and CI
def test_make_serve_closes_each_connection_after_its_answer(tmp_path):
    server = Server("sqlite:///" + str(tmp_path / "serve.db"), 2, args=("--log-level", "warning"))
    server.migrate()
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/healthz")  # HTTP/1.1: the client would keep the connection
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200
        assert answer.getheader("Connection") == "close"
        assert answer.will_close
        conn.close()
    finally:
        server.stop()


def test_a_stream_closed_before_it_started_leaves_the_hub(push_app, signed_in):
    client = signed_in("alice", app=push_app).client
    hub = get_push(push_app).hub
    response = client.get("/events", headers=SSE, buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert len(hub) == 1
    response.close()  # the server drops the connection before sending a byte: the generator never ran
    assert len(hub) == 0
