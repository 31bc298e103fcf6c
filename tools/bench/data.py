"""The data sizes and the seeded databases the benchmark serves (`flask seed`, see bench/README.md)."""

from __future__ import annotations

import json
import os
import shutil
import sys

import sqlalchemy as sa

from tools.harness import ROOT, databases
from tools.harness.server import app_env, flask

DATA = ROOT / "bench" / "data"
PASSWORD = "bench-password-1"
SEED_PLAN = "1"  # change it when microblog/seed/ makes other data for the same sizes


def _schema_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


# Part of the cached seed file names: a new migration (or seed plan) seeds again, never a stale schema.
SEED_FORMAT = f"{SEED_PLAN}-{_schema_head()}"

SIZES = {
    # users, posts, message counts (three sizes), wrk seconds per round, rounds over all endpoints, and
    # whether gthread workers are measured too (the small size leaves them out to stay under 2 minutes)
    "small": {
        "users": 2_000,
        "posts": 20_000,
        "messages": [1_000, 10_000, 100_000],
        "duration": 1,
        "rounds": 3,
        "gthread": False,
    },
    "full": {
        "users": 10_000,
        "posts": 200_000,
        "messages": [1_000, 100_000, 1_000_000],
        "duration": 2,
        "rounds": 3,
        "gthread": True,
    },
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def seed(database_url: str, users: int, posts: int, messages: int) -> dict:
    """`flask db upgrade` and `flask seed` on `database_url`; the seed's counts and timings."""
    env = app_env(database_url)
    flask(env, "db", "upgrade")
    out = flask(
        env, "seed", "--users", str(users), "--posts", str(posts), "--messages", str(messages), "--password", PASSWORD
    )
    return json.loads(out.strip().splitlines()[-1])


def sqlite_database(users: int, posts: int, messages: int) -> tuple[str, dict]:
    """A fresh copy of a seeded SQLite file (seeded once and kept in bench/data/)."""
    DATA.mkdir(parents=True, exist_ok=True)
    pristine = DATA / f"seed-{SEED_FORMAT}-u{users}-p{posts}-m{messages}.db"
    meta = pristine.with_suffix(".json")
    if not (pristine.exists() and meta.exists()):
        for f in DATA.glob(pristine.name + "*"):
            f.unlink()
        log(f"  seeding {pristine.name} ...")
        info = seed("sqlite:///" + str(pristine), users, posts, messages)
        meta.write_text(json.dumps(info))
    info = json.loads(meta.read_text())
    work = DATA / f"work-m{messages}.db"
    for f in DATA.glob(work.name + "*"):
        f.unlink()
    shutil.copyfile(pristine, work)
    os.sync()  # write the copy out now, not in the background while wrk is measuring
    return "sqlite:///" + str(work), info


def postgres_database(base_url: str, users: int, posts: int, messages: int) -> tuple[str, dict]:
    """Drop and re-create the database `<BENCH_DATABASE_URL's name>_m<messages>`, then seed it."""
    name = f"{databases.database_name(base_url)}_m{messages}"
    url = databases.create(base_url, name, replace=True)
    log(f"  seeding PostgreSQL {name} ...")
    return url, seed(url, users, posts, messages)


def unread_of_user1(database_url: str) -> tuple[int, float, int]:
    """user1's stored unread count, a `since` just before their notification, and their inbox size."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                'SELECT n.payload_json, n.timestamp FROM notification n JOIN "user" u ON u.id = n.user_id '
                "WHERE u.username = 'user1' AND n.name = 'unread_message_count'"
            )
        ).first()
        inbox = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM message m JOIN \"user\" u ON u.id = m.recipient_id WHERE u.username = 'user1'"
            )
        ).scalar()
    engine.dispose()
    return (int(json.loads(row[0])), float(row[1]) - 1.0, inbox) if row else (0, 0.0, inbox)


def conversations_of_user1(database_url: str) -> dict:
    """user1's number of conversations, and in the long one with user2: its length, an id 90% of the way
    back (the deep "earlier" page) and the newest message to user1 (the idle poll's cursor)."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT COUNT(*) FROM conversation_member WHERE user_id = 1")).scalar()
        conversation = conn.execute(
            sa.text("SELECT id FROM conversation WHERE user_low_id = 1 AND user_high_id = 2")
        ).scalar()
        length = conn.execute(
            sa.text("SELECT COUNT(*) FROM message WHERE conversation_id = :c"), {"c": conversation}
        ).scalar()
        deep = conn.execute(
            sa.text("SELECT id FROM message WHERE conversation_id = :c ORDER BY id DESC LIMIT 1 OFFSET :o"),
            {"c": conversation, "o": int(length * 0.9)},
        ).scalar()
        after = conn.execute(
            sa.text("SELECT MAX(id) FROM message WHERE conversation_id = :c AND recipient_id = 1"), {"c": conversation}
        ).scalar()
    engine.dispose()
    return {"conversations": n, "long": length, "deep": deep, "after": after or 0}


def react_in_long_thread(database_url: str, facts: dict, window: int = 20) -> int:
    """Reactions from both people on a window of 20 messages halfway back in user1's long conversation with
    user2; returns the `before` cursor of that window (the "thread with reactions" row). Idempotent."""
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conversation = conn.execute(
            sa.text("SELECT id FROM conversation WHERE user_low_id = 1 AND user_high_id = 2")
        ).scalar()
        ids = (
            conn.execute(
                sa.text("SELECT id FROM message WHERE conversation_id = :c ORDER BY id DESC LIMIT :w OFFSET :o"),
                {"c": conversation, "w": window, "o": facts["long"] // 2},
            )
            .scalars()
            .all()
        )
        for n, message_id in enumerate(ids):
            for user_id, name in ((1, "like"), (2, ("love", "laugh", "thanks")[n % 3])):
                conn.execute(
                    sa.text(
                        "INSERT INTO message_reaction (message_id, user_id, name) "
                        "VALUES (:m, :u, :n) ON CONFLICT DO NOTHING"
                    ),
                    {"m": message_id, "u": user_id, "n": name},
                )
    engine.dispose()
    return (max(ids) + 1) if ids else 1


def list_state_of_user1(database_url: str) -> int:
    """The conversation list poll's cursor for user1 (microblog.unread.state.list_state): an idle poll's `state`."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        state = conn.execute(sa.text("SELECT version FROM conversation_list_version WHERE user_id = 1")).scalar()
    engine.dispose()
    return int(state or 0)
