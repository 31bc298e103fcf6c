"""Rate limits kept in the database, so every worker on every host counts against the same totals.

Fixed windows: one row per (bucket, key, window start), incremented with a single upsert
(`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`), which SQLite and
PostgreSQL both run atomically, so concurrent requests never lose a hit.
"""

from __future__ import annotations

import hashlib
import time

import sqlalchemy as sa
from flask import current_app, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

KEY_MAX = 64


class RateLimitHit(db.Model):
    __tablename__ = "rate_limit_hit"
    __table_args__ = (sa.UniqueConstraint("bucket", "key", "window_start", name="uq_rate_limit_hit_window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX))
    # Unix seconds at which this fixed window opened.
    window_start: Mapped[int] = mapped_column(sa.BigInteger)
    count: Mapped[int] = mapped_column(sa.Integer, default=0)


def enabled() -> bool:
    """On unless configured off; tests must ask for it (RATELIMIT_IN_TESTS), as their rows outlive a test."""
    cfg = current_app.config
    if not cfg.get("RATELIMIT_ENABLED", True):
        return False
    return not cfg.get("TESTING") or bool(cfg.get("RATELIMIT_IN_TESTS"))


def client_address() -> str:
    """The client's address as the WSGI server (or a configured proxy fix) reports it."""
    return request.remote_addr or "unknown"


def _key(value: str) -> str:
    # Long or odd keys (usernames as typed) are stored as a digest: bounded and never echoed.
    if len(value) <= KEY_MAX and value.isprintable():
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[: KEY_MAX - 7]


def _window(per_seconds: int, now: float) -> tuple[int, int]:
    """(start of the current window, seconds until it closes, at least 1)."""
    start = int(now) - int(now) % per_seconds
    return start, max(1, start + per_seconds - int(now))


def peek(bucket: str, key: str, limit: int, per_seconds: int) -> int | None:
    """Seconds to wait when `key` has already used up `limit` in this window, else None. Writes nothing."""
    if not enabled():
        return None
    start, retry_after = _window(per_seconds, time.time())
    stmt = sa.select(RateLimitHit.count).where(
        RateLimitHit.bucket == bucket, RateLimitHit.key == _key(key), RateLimitHit.window_start == start
    )
    with db.engine.connect() as conn:
        count = conn.execute(stmt).scalar() or 0
    return retry_after if count >= limit else None


def hit(bucket: str, key: str, limit: int, per_seconds: int) -> int | None:
    """Count one hit; seconds to wait when this one goes over `limit` in the window, else None.

    Runs in its own short transaction: the hit counts even when the request itself rolls back.
    """
    if not enabled():
        return None
    start, retry_after = _window(per_seconds, time.time())
    key = _key(key)
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(RateLimitHit).values(bucket=bucket, key=key, window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["bucket", "key", "window_start"], set_={"count": RateLimitHit.count + 1}
    ).returning(RateLimitHit.count)
    with db.engine.begin() as conn:
        count = conn.execute(stmt).scalar_one()
        # Earlier windows of this key are finished: drop them so the table stays small.
        conn.execute(
            sa.delete(RateLimitHit).where(
                RateLimitHit.bucket == bucket, RateLimitHit.key == key, RateLimitHit.window_start < start
            )
        )
    return retry_after if count > limit else None


def limit_of(name: str) -> tuple[int, int]:
    """A configured limit: (hits, per seconds)."""
    hits, per_seconds = current_app.config[name]
    return int(hits), int(per_seconds)
