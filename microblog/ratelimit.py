"""Rate limits kept in the database, so every worker on every host counts against the same totals.

Fixed windows: one row per (bucket, key, window start), incremented with a single upsert
(`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`), which SQLite and
PostgreSQL both run atomically, so concurrent requests never lose a hit. Count first, then decide on the
returned count: `hit()` is both the check and the count, so N concurrent attempts against a limit of L let
exactly L through (a `peek()` followed by a `hit()` would let them all through).

A `Limit` is one such limit on one key (`Limit.configured(bucket, key, "RATELIMIT_...")`): `limit.hit()` counts
and checks, `hit_all(limits)` counts one hit in each of several (waiting for the longest over) in one upsert of
one transaction, and `too_many(retry, message)` is the one 429 answer (with Retry-After) a route gives when one
is over.

Every statement runs on the request's own session, which commits at once: a request never holds two
pooled connections (SPEC S16), and the hit counts even when the request fails later.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, current_app, request
from sqlalchemy.orm import Mapped, mapped_column

from .database import begin_write
from .errors import error_response
from .extensions import db

KEY_MAX = 64
# Rows of finished windows are deleted, at most this many at a time, by each hit that opens a key's window.
PURGE_BATCH = 100


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
    """The client's address as the WSGI server (or a configured proxy fix) reports it.

    IPv6 clients are counted per /64: one host usually holds a whole /64 and can pick any address in it.
    """
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


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
    count = db.session.execute(stmt).scalar() or 0
    return retry_after if count >= limit else None


def hit(bucket: str, key: str, limit: int, per_seconds: int) -> int | None:
    """Count one hit; seconds to wait when this one goes over `limit` in the window, else None.

    Commits the request's session (which must have no unsaved changes): the hit counts even when the
    request itself fails later, and no second connection is opened for it.
    """
    count, retry_after = count_hit(bucket, key, per_seconds)
    return retry_after if count > limit else None


def count_hit(bucket: str, key: str, per_seconds: int) -> tuple[int, int]:
    """Count one hit: (hits in this window so far, this one included; seconds until the window closes).
    (0, 0) when limits are off."""
    return count_hits([(bucket, key, per_seconds)])[0]


def count_hits(hits: Sequence[tuple[str, str, int]]) -> list[tuple[int, int]]:
    """Count one hit on each (bucket, key, per seconds), all in one write transaction and one upsert: for each,
    (hits in its window so far, this one included; seconds until the window closes); (0, 0) when limits are
    off. The same bucket and key given twice is one counter, counted once. Commits, as `hit` does.

    One transaction, not one per limit: a search's two limits cost 1.6 ms CPU as two (BEGIN IMMEDIATE, upsert,
    purge and COMMIT each, the statements built anew, mostly SQLAlchemy's own work); 0.24 ms as one.
    """
    if not hits or not enabled():
        return [(0, 0)] * len(hits)
    now = time.time()
    windows = [_window(per_seconds, now) for _, _, per_seconds in hits]
    rows = [(bucket, _key(key), start) for (bucket, key, _), (start, _) in zip(hits, windows)]
    # One order for every request: two transactions never wait for each other's rows crosswise (PostgreSQL).
    distinct = sorted(set(rows))
    params = {}
    for n, (bucket, key, start) in enumerate(distinct):
        params.update({f"bucket{n}": bucket, f"key{n}": key, f"start{n}": start})
    dialect = db.session.get_bind().dialect.name
    begin_write()
    try:
        connection = db.session.connection()
        counts = {(b, k, w): c for b, k, w, c in connection.execute(_upsert(len(distinct)), params)}
        # A hit that opens its key's window purges its bucket's finished ones: as many purges as rows made,
        # so the table stays bounded; the other hits of a window skip the statement.
        for bucket, start in sorted({(b, w) for (b, _, w), count in counts.items() if count == 1}):
            connection.execute(_purge(dialect), {"bucket": bucket, "start": start, "batch": PURGE_BATCH})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return [(counts[row], retry_after) for row, (_, retry_after) in zip(rows, windows)]


@functools.cache
def _upsert(rows: int) -> sa.TextClause:
    """`rows` counters incremented (made at 1) in one atomic upsert, returning each one's count. Built once.

    SQL text (the same on SQLite and PostgreSQL): SQLAlchemy caches no compiled form of a multi-row insert, and
    compiling it on every hit cost 0.25 ms.
    """
    values = ", ".join(f"(:bucket{n}, :key{n}, :start{n}, 1)" for n in range(rows))
    return sa.text(
        f'INSERT INTO rate_limit_hit (bucket, "key", window_start, count) VALUES {values} '
        'ON CONFLICT (bucket, "key", window_start) DO UPDATE SET count = rate_limit_hit.count + 1 '
        'RETURNING bucket, "key", window_start, count'
    )


@functools.cache
def _purge(dialect: str) -> sa.Delete:
    """Delete finished windows of a bucket (every key, one-off keys included), at most PURGE_BATCH rows.

    On PostgreSQL rows another request is deleting are skipped, so two purges never wait on each other.
    """
    table = RateLimitHit.__table__
    stale = (
        sa.select(table.c.id)
        .where(table.c.bucket == sa.bindparam("bucket"), table.c.window_start < sa.bindparam("start"))
        .limit(sa.bindparam("batch"))
    )
    if dialect == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    return sa.delete(table).where(table.c.id.in_(stale))


def refund(bucket: str, key: str, per_seconds: int) -> None:
    """Take back one hit of the current window (an attempt that turned out well, e.g. a right password)."""
    refunds([(bucket, key, per_seconds)])


def refunds(hits: Sequence[tuple[str, str, int]]) -> None:
    """Take back one hit of the current window of each (bucket, key, per seconds), in one write transaction
    (rows in `count_hits`' order: two transactions never wait for each other's rows crosswise)."""
    if not hits or not enabled():
        return
    now = time.time()
    rows = sorted({(bucket, _key(key), _window(per_seconds, now)[0]) for bucket, key, per_seconds in hits})
    begin_write()
    try:
        for bucket, key, start in rows:
            row = (RateLimitHit.bucket == bucket, RateLimitHit.key == key, RateLimitHit.window_start == start)
            db.session.execute(
                sa.update(RateLimitHit).where(*row, RateLimitHit.count > 0).values(count=RateLimitHit.count - 1)
            )
            db.session.execute(sa.delete(RateLimitHit).where(*row, RateLimitHit.count <= 0))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def limit_of(name: str) -> tuple[int, int]:
    """A configured limit: (hits, per seconds)."""
    hits, per_seconds = current_app.config[name]
    return int(hits), int(per_seconds)


@dataclass(frozen=True)
class Limit:
    """At most `hits` hits on `key` in each window of `per_seconds`; `bucket` names what is counted (one
    window length per bucket: a hit purges the bucket's rows of earlier windows)."""

    bucket: str
    key: str
    hits: int
    per_seconds: int

    @classmethod
    def configured(cls, bucket: str, key: str, setting: str) -> Limit:
        """The limit a config setting (hits, per seconds) puts on `key`."""
        return cls(bucket, key, *limit_of(setting))

    def hit(self) -> int | None:
        """Count one hit; seconds to wait when it goes over, else None (see `hit`)."""
        return hit(self.bucket, self.key, self.hits, self.per_seconds)

    def count(self) -> tuple[int, int]:
        """Count one hit: (hits in this window so far, seconds until it closes), for a policy of its own."""
        return count_hit(self.bucket, self.key, self.per_seconds)

    def refund(self) -> None:
        """Take this window's hit back (an attempt that turned out well)."""
        refund(self.bucket, self.key, self.per_seconds)


def count_all(limits: Sequence[Limit]) -> list[tuple[int, int]]:
    """Count one hit in every limit, in one transaction (`count_hits`): for each, (hits in its window so far,
    seconds until it closes), for a policy of its own (sign-in attempts: auth/throttle.py)."""
    return count_hits([(limit.bucket, limit.key, limit.per_seconds) for limit in limits])


def refund_all(limits: Sequence[Limit]) -> None:
    """Take back this window's hit of every limit, in one transaction (an attempt that turned out well)."""
    refunds([(limit.bucket, limit.key, limit.per_seconds) for limit in limits])


def hit_all(limits: Iterable[Limit]) -> int | None:
    """Count one hit in every limit (all of them, also past one that is over), in one transaction
    (`count_hits`); seconds to wait when any is over (the longest wait), else None."""
    limits = list(limits)
    counted = count_all(limits)
    return (
        max([retry if count > limit.hits else 0 for limit, (count, retry) in zip(limits, counted)], default=0) or None
    )


def too_many(retry: int, message: str = "", answer: Response | None = None) -> Response:
    """The 429 answer, with Retry-After: the error page, fragment or JSON (as the route answers errors)
    saying `message`; or `answer` made a 429, where the route shows the refusal itself (the form again with
    the message beside its field: htmx.render_form, which swaps it in place for htmx)."""
    response = error_response(429, message) if answer is None else answer
    response.status_code = 429
    response.headers["Retry-After"] = str(retry)
    return response
