"""Engine set-up (SQLite pragmas, transaction modes) and write transactions.

The per-user lock that serialises changes to unread state is built on `begin_write` in `microblog.unread`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.types import TypeDecorator

from .extensions import db

log = logging.getLogger(__name__)

IMMEDIATE = "microblog_begin_immediate"
# Execution option of a connection that runs one read statement on SQLite: no BEGIN, the statement is its
# own read transaction (pysqlite is in autocommit: we emit BEGIN ourselves, see configure_engine).
SINGLE_READ = "microblog_single_read"


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite stores naive text; we put the zone back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def end_request_session(_error: BaseException | None = None) -> None:
    """Close the request's session; a connection that died meanwhile is discarded, never raised.

    The view's answer is already made when the app context ends. If the database went away since its last
    query, the closing rollback fails; raised from a teardown, that would replace the answer with the
    server's bare 500. Registered after Flask-SQLAlchemy's own teardown, so it runs first.
    """
    if not db.session.registry.has():
        return
    session = db.session.registry()
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the pool replaces an invalidated connection on the next checkout
        log.warning("closing the session failed; its connection is discarded", exc_info=True)
        db.session.registry.clear()
        connection = session.info.pop("connection", None)
        if connection is not None and not connection.closed:
            connection.invalidate()
            connection.close()


@event.listens_for(db.session, "after_begin")
def _remember_connection(session, _transaction, connection) -> None:
    # The session's current connection, for end_request_session to discard if closing it fails.
    session.info["connection"] = connection


def configure_engine(engine: sa.Engine) -> None:
    """Apply per-database settings to a freshly created engine."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # We emit BEGIN ourselves (below), so pysqlite must not.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        # A deferred transaction that reads and later writes can fail at once with SQLITE_BUSY when
        # another writer committed in between; write paths ask for IMMEDIATE up front instead.
        options = conn.get_execution_options()
        if options.get(SINGLE_READ):
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")


def begin_write() -> None:
    """Start (or restart) the session's transaction as a write transaction.

    Ends any read-only transaction the request already has open (e.g. the one that loaded
    `current_user`); on SQLite the new one begins IMMEDIATE, taking the write lock before any read.
    """
    session = db.session()  # the real Session: scoped_session does not proxy in_transaction()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unflushed changes")
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})
