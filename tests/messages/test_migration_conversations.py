"""The conversations migration (SPEC S12) converts existing data: a database built at the previous revision
with messages, upgraded, has the same messages and every user the same unread count; the downgrade too."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from microblog.database import UTCDateTime
from microblog.extensions import db
from tests.conftest import make_app

BEFORE = "3c1f0a2b7d45"
UNREAD = "unread_message_count"

# The tables as they are at BEFORE (not the models: they describe the head).
meta = sa.MetaData()
old_user = sa.Table(
    "user",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String),
    sa.Column("username_key", sa.String),
    sa.Column("email", sa.String),
    sa.Column("password_hash", sa.String),
    sa.Column("last_seen", UTCDateTime),
    sa.Column("last_read_message_id", sa.Integer),
    sa.Column("session_token", sa.String),
)
message = sa.Table(
    "message",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.Integer),
    sa.Column("recipient_id", sa.Integer),
    sa.Column("body", sa.String),
    sa.Column("timestamp", UTCDateTime),
)
notification = sa.Table(
    "notification",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("user_id", sa.Integer),
    sa.Column("timestamp", sa.Float),
    sa.Column("payload_json", sa.Text),
)


def build_old_database(conn, users: int, messages: int, seed: int = 15) -> None:
    """Users with watermarks, messages between them, and each user's stored count, as the old code kept them."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows, inbox = [], {}
    for i in range(1, messages + 1):
        sender = rng.randint(1, users)
        # Mostly among a dozen people (long conversations), the rest spread over everybody.
        recipient = rng.randint(1, min(users, 12)) if i % 3 else rng.randint(1, users)
        if recipient == sender:
            recipient = sender % users + 1
        rows.append(
            {
                "id": i,
                "sender_id": sender,
                "recipient_id": recipient,
                "body": f"message {i} ünïcode",
                "timestamp": start + timedelta(seconds=37 * i),
            }
        )
        inbox.setdefault(recipient, []).append(i)
    watermarks = {u: (rng.choice([0, *ids]) if rng.random() < 0.7 else ids[-1]) for u, ids in inbox.items()}
    conn.execute(
        old_user.insert(),
        [
            {
                "id": u,
                "username": f"u{u}",
                "username_key": f"u{u}",
                "email": f"u{u}@example.com",
                "password_hash": "x",
                "last_seen": start,
                "last_read_message_id": watermarks.get(u, 0),
                "session_token": f"t{u}",
            }
            for u in range(1, users + 1)
        ],
    )
    conn.execute(message.insert(), rows)
    counts = {u: sum(1 for i in ids if i > watermarks[u]) for u, ids in inbox.items()}
    conn.execute(
        notification.insert(),
        [
            {"name": UNREAD, "user_id": u, "timestamp": 1.0 + u, "payload_json": json.dumps(n)}
            for u, n in counts.items()
            if n
        ],
    )
    if conn.dialect.name == "postgresql":
        for table in ("user", "message", "notification"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"
            )


def snapshot(conn):
    """Every message (all its columns), and every user's unread count by the old rule and as stored."""
    messages = [tuple(r) for r in conn.execute(sa.select(message).order_by(message.c.id))]
    stored = {
        r.user_id: json.loads(r.payload_json)
        for r in conn.execute(sa.select(notification).where(notification.c.name == UNREAD))
    }
    return messages, {k: v for k, v in stored.items() if v}


def check_conversion(url: str, users: int, messages: int) -> None:
    from flask_migrate import downgrade, upgrade

    from microblog.messages.models import Conversation, Member, Message
    from microblog.unread.counts import total_unread

    app = make_app(url, create_tables=False)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            build_old_database(conn, users, messages)
            old_truth = {
                r[0]: r[1]
                for r in conn.execute(
                    sa.text(
                        "SELECT u.id, (SELECT COUNT(*) FROM message m WHERE m.recipient_id = u.id "
                        'AND m.id > u.last_read_message_id) FROM "user" u'
                    )
                )
            }
        with db.engine.connect() as conn:
            before = snapshot(conn)
        assert before[1] == {u: n for u, n in old_truth.items() if n}  # the old data is consistent

        upgrade()
        with db.engine.connect() as conn:
            after = snapshot(conn)
        assert after[0] == before[0]  # every message, unchanged
        assert after[1] == before[1]  # every stored count, unchanged
        for user_id, count in old_truth.items():
            assert total_unread(user_id) == count, user_id  # and derived from the new watermarks, equal
        # One conversation per unordered pair, each message in its own pair's conversation.
        pairs = {tuple(sorted((r[1], r[2]))) for r in before[0]}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == len(pairs)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 2 * len(pairs)
        misplaced = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                sa.or_(
                    sa.and_(
                        Message.sender_id != Conversation.user_low_id, Message.sender_id != Conversation.user_high_id
                    ),
                    sa.and_(
                        Message.recipient_id != Conversation.user_low_id,
                        Message.recipient_id != Conversation.user_high_id,
                    ),
                )
            )
        )
        assert misplaced == 0
        db.session.remove()

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            again = snapshot(conn)
            truth = {
                r[0]: r[1]
                for r in conn.execute(
                    sa.text(
                        "SELECT u.id, (SELECT COUNT(*) FROM message m WHERE m.recipient_id = u.id "
                        'AND m.id > u.last_read_message_id) FROM "user" u'
                    )
                )
            }
        assert again == before
        assert truth == old_truth
        upgrade()  # and up again
        with db.engine.connect() as conn:
            assert snapshot(conn) == before
        db.session.remove()
        db.engine.dispose()


def test_migration_converts_messages_and_counts_on_sqlite(tmp_path):
    check_conversion("sqlite:///" + str(tmp_path / "old.db"), users=40, messages=3_000)


def test_migration_converts_messages_and_counts_on_postgresql(scratch_pg_url):
    check_conversion(scratch_pg_url, users=40, messages=3_000)


@pytest.mark.slow
def test_migration_converts_100k_messages_on_sqlite(tmp_path):
    check_conversion("sqlite:///" + str(tmp_path / "big.db"), users=1_000, messages=100_000)


@pytest.mark.slow
def test_migration_converts_100k_messages_on_postgresql(scratch_pg_url):
    check_conversion(scratch_pg_url, users=1_000, messages=100_000)
