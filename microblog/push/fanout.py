"""Fan-out across processes and hosts: a commit anywhere wakes the affected streams in this process.

PostgreSQL: `publish()` runs `pg_notify` inside the writing transaction (delivered at commit, to the
sessions listening then); each worker process keeps ONE `LISTEN` connection. SQLite (one host): `publish()`
appends to the `push_event` table and a per-process watcher notices other connections' commits through
`PRAGMA data_version`, then reads only the new rows. Either way, after a (re)connect every stream of the
process gets fresh state, since what happened while the connection was down is unknown.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import sqlalchemy as sa

from .hub import EVENTS, SESSION, STATE, Hub
from .memo import PollMemo

# After a (re)connect: refetch everything, and check the session (a sign-out may have gone unheard).
RESYNC = (*STATE, SESSION)

log = logging.getLogger(__name__)

CHANNEL = "microblog_events"
LISTENER_NAME = "microblog-push-listener"  # application_name: operators and fault tests find it by this


def parse_payload(payload: str) -> tuple[int, tuple[str, ...]] | None:
    """ "<user id>:<event>[,<event>...]" -> (user id, known events); None for anything else."""
    user_id, _, names = payload.partition(":")
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    known = tuple(n for n in names.split(",") if n in EVENTS)
    return (int(user_id), known) if known else None


class _Fanout:
    """A daemon thread (a greenlet under gevent) that reconnects with backoff until stopped."""

    min_delay, max_delay = 0.5, 10.0

    def __init__(self, hub: Hub, memo: PollMemo | None = None):
        self.hub = hub
        self.memo = memo  # forgotten before the streams wake: a poll they trigger reads the database
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = self.min_delay
        while not self._stop.is_set():
            try:
                self.serve()
                delay = self.min_delay
            except Exception:  # noqa: BLE001 - any failure: log, wait, reconnect; the page keeps polling
                log.warning("push fan-out lost its connection; reconnecting in %.1f s", delay, exc_info=True)
                self._stop.wait(delay)
                delay = min(delay * 2, self.max_delay)
            finally:
                self.connected.clear()

    def _ready(self) -> None:
        """Connected and listening: every stream refetches, since nothing was heard while we were away."""
        self.resync()
        self.connected.set()

    def resync(self) -> None:
        if self.memo is not None:
            self.memo.forget_all()
        self.hub.deliver_all(RESYNC)

    def dispatch(self, payload: str) -> None:
        parsed = parse_payload(payload)
        if parsed is not None:
            if self.memo is not None:
                self.memo.forget(parsed[0])
            self.hub.deliver(*parsed)

    def heard_everything(self) -> bool:
        """Whether every commit so far has been heard and delivered (only SQLite can tell cheaply)."""
        return False

    def serve(self) -> None:
        raise NotImplementedError


class PostgresListener(_Fanout):
    keepalive = 10.0  # seconds between checks that the connection is alive (a SELECT 1 when idle)

    def __init__(self, hub: Hub, url: sa.URL):
        super().__init__(hub)
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.backend_pid = None  # the server process of the LISTEN connection (pg_stat_activity.pid)

    def serve(self) -> None:
        import psycopg

        with psycopg.connect(
            self.conninfo,
            autocommit=True,
            application_name=LISTENER_NAME,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        ) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = conn.info.backend_pid
            self._ready()
            while not self._stop.is_set():
                for notify in conn.notifies(timeout=self.keepalive):
                    self.dispatch(notify.payload)
                conn.execute("SELECT 1")


class SQLiteWatcher(_Fanout):
    interval = 0.05  # seconds between `PRAGMA data_version` checks: one cheap read, no disk access
    batch = 10_000

    def __init__(self, hub: Hub, path: str, memo: PollMemo | None = None):
        super().__init__(hub, memo)
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._look = threading.Lock()  # one user of the connection at a time: this thread, or a poll
        self._heard = None  # the data_version whose commits have all been delivered

    def heard_everything(self) -> bool:
        """True when nothing was committed since the last look, which delivered everything before it:
        `PRAGMA data_version` changes with every commit of another connection (one cheap read, no disk)."""
        if not self.connected.is_set():
            return False
        with self._look:
            try:
                return self._conn is not None and self._conn.execute("PRAGMA data_version").fetchone()[0] == self._heard
            except sqlite3.Error:
                return False

    def serve(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            with self._look:
                self._conn = conn
                conn.execute("PRAGMA busy_timeout=1000")
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                last = conn.execute("SELECT coalesce(max(id), 0) FROM push_event").fetchone()[0]
                self._ready()
                self._heard = version
            while not self._stop.wait(self.interval):
                with self._look:
                    version, last = self._look_once(conn, version, last)
        finally:
            with self._look:
                self._conn, self._heard = None, None
            conn.close()

    def _look_once(self, conn: sqlite3.Connection, version: int, last: int) -> tuple[int, int]:
        """Deliver what was committed since `version`; the new (version, last push_event id)."""
        now = conn.execute("PRAGMA data_version").fetchone()[0]
        if now == version:
            return version, last
        rows = conn.execute(
            "SELECT id, user_id, name FROM push_event WHERE id > ? ORDER BY id LIMIT ?", (last, self.batch)
        ).fetchall()
        if not rows and conn.execute("SELECT coalesce(max(id), 0) FROM push_event").fetchone()[0] < last:
            last = 0  # the table was emptied: ids start again from 1
            rows = conn.execute(
                "SELECT id, user_id, name FROM push_event ORDER BY id LIMIT ?", (self.batch,)
            ).fetchall()
        if rows and rows[0][0] != last + 1:
            # Rows we never read were pruned (or the table was emptied): tell everyone.
            self.resync()
        for row_id, user_id, names in rows:
            self.dispatch(f"{user_id}:{names}")
            last = row_id
        if len(rows) == self.batch:  # more to read: look again at once, and nothing is "heard" meanwhile
            self._heard = None
            return version, last
        self._heard = now
        return now, last
