"""Request bodies, read and checked before Flask (CSRF included) or the page gate sees them (SPEC S22).

`BodyReader` is WSGI middleware. A body announced larger than MAX_CONTENT_LENGTH is refused without being
read; a body sent with any Transfer-Encoding (`chunked`, `Chunked`, ...) is read at most one byte past the
limit; every body must arrive within BODY_READ_SECONDS. The app then sees a small, complete body in memory
and a Content-Length, so CSRFProtect and form parsing never meet a cut or endless stream. Refusals are
answered by the app's own error pages (413, 408, 400): the check only records them for `init_app`'s hook.

gunicorn (microblog/push/gunicorn_conf.py) puts the reader *outside* the page gate: a client dripping its
body a byte at a time holds a greenlet, never one of the few page slots.
"""

from __future__ import annotations

import io
import time

from flask import Flask, abort, request

CHECKED = "microblog.body_checked"
REFUSED = "microblog.body_refused"
CHUNK = 16 * 1024


class BodyTooSlow(Exception):
    """The body did not arrive within the deadline."""


def _deadline(seconds: float):
    """A deadline that interrupts a blocked read under gevent (gunicorn's workers); elsewhere (the dev
    server, tests) the time is checked between reads."""
    try:
        from gevent import Timeout
        from gevent.monkey import is_module_patched
    except ImportError:
        return None
    return Timeout(seconds, BodyTooSlow) if is_module_patched("socket") else None


class BodyReader:
    def __init__(self, app, config):
        self.app = app
        self.config = config

    def __call__(self, environ, start_response):
        if not environ.get(CHECKED):
            environ[CHECKED] = True
            refused = self.check(environ)
            if refused:
                environ[REFUSED] = refused
                environ["wsgi.input"] = io.BytesIO(b"")
                environ["CONTENT_LENGTH"] = "0"
                environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def check(self, environ) -> int | None:
        """Read the body into memory; the status to refuse it with, or None."""
        limit = self.config.get("MAX_CONTENT_LENGTH")
        coded = bool(environ.get("HTTP_TRANSFER_ENCODING", "").strip())
        raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
        if raw_length and not raw_length.isdigit():
            return 400
        length = int(raw_length) if raw_length and not coded else None
        if not coded and not length:
            return None  # no body
        if limit is not None and length is not None and length > limit:
            return 413  # refused unread
        wanted = length if length is not None else (limit + 1 if limit is not None else None)
        seconds = float(self.config.get("BODY_READ_SECONDS", 10))
        try:
            body = self._read(environ["wsgi.input"], wanted, seconds)
        except BodyTooSlow:
            return 408
        except (OSError, ValueError):  # the client went away or sent a broken chunk
            return 400
        if limit is not None and len(body) > limit:
            return 413
        if length is not None and len(body) < length:
            return 400  # the connection closed before the announced body arrived
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = False
        return None

    @staticmethod
    def _read(stream, wanted: int | None, seconds: float) -> bytes:
        parts, got, ends = [], 0, time.monotonic() + seconds
        timeout = _deadline(seconds)
        if timeout is not None:
            timeout.start()
        try:
            while wanted is None or got < wanted:
                piece = stream.read(CHUNK if wanted is None else min(CHUNK, wanted - got))
                if not piece:
                    break
                parts.append(piece)
                got += len(piece)
                if time.monotonic() > ends:
                    raise BodyTooSlow
        finally:
            if timeout is not None:
                timeout.close()
        return b"".join(parts)


def refuse_unread_bodies() -> None:
    """First before_request hook: answer what BodyReader refused (before CSRF looks at the empty form)."""
    if code := request.environ.get(REFUSED):
        abort(code)


def init_app(app: Flask) -> None:
    """Check bodies in `app.wsgi_app` (test client, dev server); gunicorn adds an outer reader."""
    app.wsgi_app = BodyReader(app.wsgi_app, app.config)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unread_bodies)
