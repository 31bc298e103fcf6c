"""Scratch databases: PostgreSQL databases created and dropped beside a URL; users inserted directly (any database).

A database is dropped with a plain DROP after ending our own sessions in it, never `WITH (FORCE)`: on
PostgreSQL 15, FORCE refuses to end an autovacuum worker unless the role is a superuser or in
pg_signal_backend, and autovacuum does start after a bulk insert. A plain DROP stops autovacuum itself.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import sqlalchemy as sa


def psycopg_url(url: str) -> str:
    """`postgresql://...` with the driver this project uses (psycopg 3) named."""
    return "postgresql+psycopg://" + url[len("postgresql://") :] if url.startswith("postgresql://") else url


def database_name(url: str) -> str:
    return sa.engine.make_url(url).database


def with_database(url: str, name: str) -> str:
    """The same server and role as `url`, another database."""
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def admin_connection(url: str) -> Iterator[sa.Connection]:
    """An autocommit connection to the `postgres` database of `url`'s server (CREATE/DROP DATABASE)."""
    engine = sa.create_engine(with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def drop_database(conn: sa.Connection, name: str) -> None:
    """End our own sessions in `name`, then a plain DROP (retried while those sessions are still exiting)."""
    conn.execute(
        sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            " AND usename = current_user AND pid <> pg_backend_pid()"
        ),
        {"name": name},
    )
    for attempt in range(20):
        try:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            return
        except sa.exc.OperationalError as error:  # ObjectInUse: a terminated session has not exited yet
            if attempt == 19 or "being accessed by other users" not in str(error):
                raise
            time.sleep(0.25)


def drop(url: str, name: str) -> None:
    """Drop database `name` on `url`'s server (see drop_database)."""
    with admin_connection(url) as conn:
        drop_database(conn, name)


def create(url: str, name: str, replace: bool = False) -> str:
    """Create database `name` on `url`'s server (dropping it first with `replace`); its URL."""
    with admin_connection(url) as conn:
        if replace:
            drop_database(conn, name)
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return with_database(url, name)


@contextlib.contextmanager
def scratch(url: str, name: str) -> Iterator[str]:
    """A new database `name` beside `url` for the duration of the block; dropped after, whatever happens."""
    database_url = create(url, name)
    try:
        yield database_url
    finally:
        drop(url, name)


def insert_users(database_url: str, names: list[str], password: str) -> list[tuple[int, str, str]]:
    """Insert users straight into a migrated database (one cheap password hash for all: sign-ins are not
    what is measured); returns (id, username, session token) of every user, by id."""
    from werkzeug.security import generate_password_hash

    from microblog.users.models import User, new_session_token, username_key

    hashed = generate_password_hash(password, method="pbkdf2:sha256:1000")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(User.__table__),
                [
                    {
                        "username": name,
                        "username_key": username_key(name),
                        "email": f"{name}@example.com",
                        "password_hash": hashed,
                        "session_token": new_session_token(),
                    }
                    for name in names
                ],
            )
            rows = conn.execute(sa.select(User.id, User.username, User.session_token).order_by(User.id)).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]
