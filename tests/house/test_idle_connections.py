"""Connections that send nothing (a slow or hostile client, a port scanner) against the production server
configuration (`make serve`: gunicorn with microblog/push/gunicorn_conf.py's gevent workers): pages keep
answering. The same two idle connections stall gunicorn's plain sync workers, which is why the README says
sync workers need a buffering proxy in front of them."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time

import pytest

from tools.harness.server import Server

pytestmark = pytest.mark.slow

IDLE = 20


@contextlib.contextmanager
def idle_connections(port: int, count: int):
    """`count` connections that never finish a request: half send nothing, half stop in the middle of the headers."""
    sockets = []
    try:
        for i in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                sock.sendall(b"GET /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
            time.sleep(0.05)  # each is accepted (by whichever worker) before the next
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def status_of(port: int, path: str, timeout: float) -> int | None:
    """The status of GET `path`, or None when no answer came within `timeout` seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except TimeoutError:
        return None
    finally:
        conn.close()


def test_the_production_config_keeps_answering_with_idle_connections_open(tmp_path):
    server = Server("sqlite:///" + str(tmp_path / "idle.db"), 2, args=("--graceful-timeout", "1")).start()
    try:
        with idle_connections(server.port, IDLE):
            # A page, the liveness probe and the readiness probe (which asks the database), several times each.
            answers = [
                status_of(server.port, path, timeout=10)
                for _ in range(3)
                for path in ("/auth/login", "/healthz", "/readyz")
            ]
        assert answers == [200] * 9
    finally:
        server.stop(10)


def test_plain_sync_workers_stall_behind_two_idle_connections(tmp_path):
    """The configuration the README warns against without a buffering proxy: each sync worker waits on one
    idle connection (until gunicorn's --timeout, 30 s by default), and every other request waits too."""
    server = Server("sqlite:///" + str(tmp_path / "idle.db"), 2, config=None, args=("--graceful-timeout", "1")).start()
    try:
        assert status_of(server.port, "/healthz", timeout=10) == 200
        with idle_connections(server.port, 2):
            time.sleep(0.3)
            assert status_of(server.port, "/healthz", timeout=3) is None
    finally:
        server.stop(10)
