"""How `flask seed` writes its plan (plan.py): bulk inserts with explicit ids into an empty, migrated database.

Core executemany in 50,000-row batches on SQLite, COPY on PostgreSQL; sequences are moved past the seeded
ids; then ANALYZE (VACUUM (ANALYZE) on PostgreSQL). The exact `unread_message_count` notification of every
user with unread messages is stored, so the badge, the JSON feed and the pages agree from the start.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .plan import FOLLOWS_PER_USER, SPAN, Plan, make_plan

BATCH = 50_000


class SeedError(Exception):
    """The database cannot take the seed (it is not empty)."""


def _batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    """Writes rows (tuples in column order) to a table: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, conn: sa.Connection):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, table: sa.Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        n = 0
        if self.postgres:
            names = ", ".join(f'"{c}"' for c in columns)
            # Bind processing is skipped with COPY: make values what the column type would have sent.
            with self.conn.connection.driver_connection.cursor() as cur:
                with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            return n
        stmt = table.insert()
        for batch in _batches(rows):
            self.conn.execute(stmt, [dict(zip(columns, row)) for row in batch])
            n += len(batch)
        return n

    def reset_sequence(self, table: sa.Table) -> None:
        if self.postgres:
            self.conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )


def seed(
    users: int,
    posts: int,
    messages: int,
    password: str,
    follows: int = FOLLOWS_PER_USER,
    seed_value: int = 21,
    echo: Callable[[str], None] = lambda _msg: None,
) -> dict:
    """Plan the data and write it into the (empty) database of the current app; the counts and timings."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = round(time.perf_counter() - t0 - sum(timings.values()), 2)
        echo(f"  {name}: {timings[name]:.1f}s")

    plan = make_plan(users, posts, messages, follows, seed_value)
    lap("plan")
    write(plan, password, lap)
    return {
        "users": users,
        "follows": users * plan.follows_per_user,
        "posts": posts,
        "messages": messages,
        "user1_messages": sum(1 for r in plan.recipients if r == 1),
        "user1_unread": plan.unread.get(1, 0),
        "users_with_unread": len(plan.unread),
        "conversations": len(plan.conversations),
        "long_conversation": plan.long_conversation,
        "seconds": round(time.perf_counter() - t0, 1),
        "timings": timings,
    }


def write(plan: Plan, password: str, lap: Callable[[str], None] = lambda _name: None) -> None:
    """Write `plan` with dates ending now, every user's password `password` (hashed once)."""
    from ..messages.models import Conversation, Member, Message
    from ..notifications.models import UNREAD_MESSAGE_COUNT, Notification
    from ..posts.models import Post
    from ..users.models import User
    from ..users.relations import followers

    engine = db.engine
    with engine.begin() as conn:
        for model in (User, Post, Message, Conversation, Notification):
            if conn.execute(sa.select(sa.literal(1)).select_from(model.__table__).limit(1)).first():
                raise SeedError(f"table {model.__tablename__!r} is not empty: seed needs an empty database")

    start = utcnow() - SPAN
    pw_hash = generate_password_hash(password)
    users, posts, messages, bodies = plan.users, plan.posts, plan.messages, plan.bodies

    def ts(offset_fraction: float):
        return start + SPAN * offset_fraction  # aware UTC; COPY sends it as timestamptz text

    with engine.begin() as conn:
        w = _Writer(conn)
        user_t = User.__table__
        w.write(
            user_t,
            (
                "id",
                "username",
                "username_key",
                "email",
                "password_hash",
                "about_me",
                "last_seen",
                "session_token",
                "email_verified",
            ),
            (  # established users: their addresses verified
                (
                    i,
                    f"user{i}",
                    f"user{i}",
                    f"user{i}@example.com",
                    pw_hash,
                    f"I am user {i}." if i % 3 == 0 else None,
                    ts(plan.last_seen[i - 1]),
                    secrets.token_urlsafe(16),
                    True,
                )
                for i in range(1, users + 1)
            ),
        )
        w.reset_sequence(user_t)
        lap("users")

        w.write(followers, ("follower_id", "followed_id"), plan.follow_pairs())
        lap("follows")

        # Each follow is a "new follower" event (SPEC S14), all of them already seen: counts stay 0.
        conn.execute(
            sa.text(
                "INSERT INTO activity (user_id, actor_id, kind, post_id, timestamp) "
                "SELECT followed_id, follower_id, 'follow', 0, :ts FROM followers"
            ).bindparams(sa.bindparam("ts", type_=UTCDateTime)),
            {"ts": ts(0.5)},
        )
        conn.execute(sa.text('UPDATE "user" SET activity_read_id = (SELECT COALESCE(MAX(id), 0) FROM activity)'))
        lap("activity")

        w.write(
            Post.__table__,
            ("id", "body", "timestamp", "user_id"),
            ((i + 1, bodies[plan.post_body[i]], ts((i + 1) / (posts + 1)), plan.post_author[i]) for i in range(posts)),
        )
        w.reset_sequence(Post.__table__)
        lap("posts")

        w.write(
            Conversation.__table__,
            ("id", "user_low_id", "user_high_id"),
            ((cid, low, high) for (low, high), cid in plan.conversations.items()),
        )
        w.reset_sequence(Conversation.__table__)
        w.write(
            Member.__table__,
            ("conversation_id", "user_id", "other_id", "last_read_message_id", "cleared_before_id", "last_message_id"),
            (
                (cid, me, other, plan.watermark.get(me, 0), 0, plan.last_message[cid])
                for (low, high), cid in plan.conversations.items()
                for me, other in ((low, high), (high, low))
            ),
        )
        lap("conversations")

        w.write(
            Message.__table__,
            ("id", "conversation_id", "sender_id", "recipient_id", "body", "timestamp"),
            (
                (
                    i + 1,
                    plan.message_conversation[i],
                    plan.senders[i],
                    plan.recipients[i],
                    bodies[i % len(bodies)],
                    ts((i + 1) / (messages + 1)),
                )
                for i in range(messages)
            ),
        )
        w.reset_sequence(Message.__table__)
        lap("messages")

        stamp = time.time()
        w.write(
            Notification.__table__,
            ("id", "name", "user_id", "timestamp", "payload_json"),
            (
                (n, UNREAD_MESSAGE_COUNT, uid, stamp, json.dumps(count))
                for n, (uid, count) in enumerate(sorted(plan.unread.items()), start=1)
            ),
        )
        w.reset_sequence(Notification.__table__)
        lap("notifications")

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # VACUUM too: it sets the visibility map (index-only scans for paging) and the hint bits, which
            # the first reads after a bulk load would otherwise write while being measured.
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    lap("analyze")
