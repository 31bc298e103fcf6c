"""Engine set-up (SQLite pragmas, transaction modes) and write transactions.

The write rule: a request that writes starts its write transaction before its first read of what it changes.
On SQLite a transaction that began as a read cannot always become a write (the upgrade is refused at once,
"database is locked", when another connection committed since its read began), so every transaction of a
POST, PUT, PATCH or DELETE request begins IMMEDIATE (the write lock, taken before anything is read), and a
GET that writes declares it with `begin_write()` (or `microblog.unread.locks.changing`). Under TESTING a write
outside an IMMEDIATE transaction raises `UndeclaredWrite`. PostgreSQL needs none of this (row locks:
`microblog.unread.locks.lock_user`). Slow work that needs no database (an email, a web service, a password check)
calls `end_read()` first, so it holds no lock. The per-user lock is built on `begin_write` in `microblog.unread.locks`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.types import TypeDecorator

from .extensions import db

log = logging.getLogger(__name__)

IMMEDIATE = "microblog_begin_immediate"
# Execution option of a connection that runs one read statement on SQLite: no BEGIN, the statement is its
# own read transaction (pysqlite is in autocommit: we emit BEGIN ourselves, see configure_engine).
SINGLE_READ = "microblog_single_read"
# Keys of a DBAPI connection's `info` on SQLite: its current transaction began IMMEDIATE; because the code
# declared a write (begin_write), not only because the request may write; it has written.
_WRITING = "microblog_writing"
_DECLARED = "microblog_declared"
_WROTE = "microblog_wrote"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class UndeclaredWrite(RuntimeError):
    """A write on SQLite in a transaction that did not begin IMMEDIATE (raised under TESTING only)."""


def write_request() -> bool:
    """Whether the request being served may write: every POST, PUT, PATCH and DELETE (its transactions
    begin IMMEDIATE on SQLite). GETs keep their cheap read transactions."""
    return has_request_context() and request.method not in _SAFE_METHODS


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
        # another writer committed in between: a request that may write, or a path that declared a write
        # (begin_write), takes the write lock up front instead.
        options = conn.get_execution_options()
        declared = bool(options.get(IMMEDIATE))
        immediate = not options.get(SINGLE_READ) and (declared or write_request())
        conn.info[_WRITING], conn.info[_DECLARED], conn.info[_WROTE] = immediate, declared, False
        if options.get(SINGLE_READ):
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    # STRICT_WRITES (on under TESTING): a write that was not declared raises instead of racing.
    strict = current_app.config.get("STRICT_WRITES", current_app.config.get("TESTING", False))

    @event.listens_for(engine, "before_cursor_execute")
    def _sqlite_writes(conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        conn.info[_WROTE] = True
        if strict and not conn.info.get(_WRITING) and has_request_context():
            # The next new write path must not repeat issue 28: in tests, a write that was not declared fails.
            raise UndeclaredWrite(
                f"{request.method} {request.path} writes on SQLite in a transaction that began as a read: "
                "call microblog.database.begin_write() (or use microblog.unread.locks.changing) before reading what it "
                "changes"
            )


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


def end_read() -> None:
    """Before slow work that needs no database (sending an email, calling a web service, checking a password):
    on SQLite, end the session's transaction when it has only read, so no lock is held meanwhile (every
    transaction of a POST holds the write lock). Loaded objects keep their values; the next statement begins a
    new transaction. A transaction that has written, or that was declared a write (`begin_write`, `changing`:
    its reads decide its writes), is left to its owner's commit. PostgreSQL: nothing to do, a read holds no lock
    that a writer waits for.
    """
    session = db.session()
    if not session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    info = session.connection().info
    if session.new or session.dirty or session.deleted or info.get(_WROTE) or info.get(_DECLARED):
        return
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
