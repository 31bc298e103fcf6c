"""Live push (SPEC S13): `publish()` in the writing transaction, the fan-out, and the `/events` streams.

Events say "something changed for you", never what: the badge and the conversation refetch their own
partials, so push, poll and page load always agree (README, "Live push").
"""

from __future__ import annotations

import logging
import os
import threading
import weakref

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event

from ..extensions import db
from . import models  # noqa: F401 - the push_event table
from .fanout import CHANNEL, PostgresListener, SQLiteWatcher
from .hub import EVENTS, MESSAGE, SESSION, UNREAD, Hub
from .memo import PollMemo
from .servers import holds_idle_streams, server_name

__all__ = ["publish", "UNREAD", "MESSAGE", "SESSION", "init_app", "get_push", "streams_here"]

log = logging.getLogger(__name__)

_PUSHES: weakref.WeakSet = weakref.WeakSet()  # every app's Push in this process, for shutdown


def publish(user_id: int, *events: str) -> None:
    """Tell `user_id`'s open streams, in every process, that `events` happened: sent when the current
    transaction commits, never if it rolls back. Call it in the transaction that makes the change."""
    if not current_app.config["SSE_ENABLED"]:
        return
    unknown = set(events) - set(EVENTS)
    if not events or unknown:
        raise ValueError(f"unknown push events: {sorted(unknown) or events}")
    names = ",".join(events)
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_notify(CHANNEL, f"{user_id}:{names}")))
    else:
        from .models import append

        append(user_id, names)


class Push:
    """This app's streams in this process (the hub) and their fan-out, started by the first stream."""

    def __init__(self, app: Flask):
        self.hub = Hub()
        self.url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        self.fanout = None
        self._pid = None
        self._lock = threading.Lock()
        self.warned = False  # the "push is off on this server" warning, once per process
        # The badge poll's memo (push/memo.py): only where the fan-out can tell it heard every commit (an
        # SQLite file) and every change publishes (SSE_ENABLED); POLL_MEMO unset: on, except under TESTING.
        memo = app.config.get("POLL_MEMO")
        memo = not app.testing if memo is None else memo
        self.memo = PollMemo() if memo and app.config["SSE_ENABLED"] and self.available and not self._postgres else None
        _PUSHES.add(self)

    @property
    def _postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def remembered(self, user_id: int, session_token: str, read):
        """`read()` (the badge's state for this session, None when it is not valid), from the memo when it
        can answer for certain (push/memo.py); starts the fan-out that feeds it."""
        if self.memo is None:
            return read()
        self.ensure_started()
        return self.memo.read(self.fanout.heard_everything, user_id, session_token, read)

    @property
    def available(self) -> bool:
        """Push needs a database other processes can see: PostgreSQL, or an SQLite file."""
        return self.url.get_backend_name() == "postgresql" or bool(
            self.url.database and self.url.database != ":memory:"
        )

    def ensure_started(self) -> None:
        # Started lazily, in the process that serves the stream (a fork does not carry threads over).
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            if self.url.get_backend_name() == "postgresql":
                self.fanout = PostgresListener(self.hub, self.url)
            else:
                self.fanout = SQLiteWatcher(self.hub, self.url.database, self.memo)
            self.fanout.start()
            self._pid = os.getpid()

    def stop(self) -> None:
        """End every stream and the fan-out (process shutdown, or the end of a test)."""
        self.hub.close_all()
        if self.fanout is not None:
            self.fanout.stop()


def get_push(app: Flask) -> Push:
    return app.extensions["push"]


def streams_here() -> bool:
    """Whether this request's pages open the push stream and `/events` serves one: push is on
    (`SSE_ENABLED`) and the server holds idle streams cheaply (push/servers.py). Where it cannot (gunicorn's
    sync workers), pages poll and the first request that finds out logs one warning in this process.
    `publish()` still notifies: another server on the same database may hold the streams."""
    if not current_app.config["SSE_ENABLED"]:
        return False
    if not has_request_context() or holds_idle_streams(request.environ, current_app.testing):
        return True  # no request (a partial rendered by a job): as configured
    push = get_push(current_app)
    with push._lock:
        warn, push.warned = not push.warned, True
    if warn:
        log.warning(
            "Live push is off in this process (pid %d): %s cannot hold idle /events streams (each would pin a"
            " worker until its timeout). Pages poll their badges instead. For push, serve with gevent workers"
            ' (`make serve`, README "Live push").',
            os.getpid(),
            server_name(request.environ),
        )
    return False


def close_all_streams() -> None:
    """Graceful shutdown: end every open stream of this process (browsers reconnect to another one)."""
    for push in list(_PUSHES):
        push.stop()


def _publish_session_changes(session, _flush_context) -> None:
    # A changed session token (sign-out, password change, on any path) ends that user's streams.
    from ..users.models import User

    for obj in session.dirty:
        if isinstance(obj, User) and sa.inspect(obj).attrs.session_token.history.has_changes():
            publish(obj.id, SESSION)


def init_app(app: Flask) -> None:
    """The process's push state for `app` (create_app registers the `/events` blueprint, push.views)."""
    app.extensions["push"] = Push(app)
    if not event.contains(db.session, "after_flush", _publish_session_changes):
        event.listen(db.session, "after_flush", _publish_session_changes)
