"""A real SMTP server on loopback for the tests (aiosmtpd): what the app sends arrives in a handler of ours."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tools.harness.server import free_port


@contextmanager
def smtp_server(handler) -> Iterator[int]:
    """Serve `handler` (an aiosmtpd handler: `handle_DATA`) on a free loopback port; yields the port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()
