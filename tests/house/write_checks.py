"""What the server said yes to during tests/house/test_concurrent_writes.py (`Accepted`), and the check that the
database holds exactly that afterwards: no accepted write lost, none refused but stored anyway."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from tests import truth

UNUSABLE_PASSWORD = "!deleted"  # microblog/users/deletion.py
# What goes with an account (README and microblog/users/deletion.py): table -> the columns naming the person.
DELETED_WITH_THE_ACCOUNT = {
    "post": ("user_id",),
    "followers": ("follower_id", "followed_id"),
    "block": ("blocker_id", "blocked_id"),
    "activity": ("actor_id", "user_id"),
    "notification": ("user_id",),
    "recovery_code": ("user_id",),
}


@dataclass
class Accepted:
    """What the server said yes to: the database must hold exactly this."""

    posts: list[str] = field(default_factory=list)
    edited_posts: set[int] = field(default_factory=set)
    deleted_posts: set[tuple[int, str]] = field(default_factory=set)  # (id, body): SQLite may reuse the id
    messages: list[str] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)
    reactions: dict[tuple[int, str], str | None] = field(default_factory=dict)  # (message id, who) -> reaction
    hidden: set[tuple[str, int]] = field(default_factory=set)
    muted: dict[tuple[str, str], bool] = field(default_factory=dict)
    unread: set[tuple[str, str]] = field(default_factory=set)  # (reader, other): marked unread last
    follows: dict[tuple[str, str], bool] = field(default_factory=dict)
    blocks: dict[tuple[str, str], bool] = field(default_factory=dict)
    about: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    read_up_to: dict[tuple[str, str], int] = field(default_factory=dict)  # (reader, other) -> message id seen
    cleared_up_to: dict[tuple[str, str], int] = field(default_factory=dict)
    activity_seen: dict[str, int] = field(default_factory=dict)
    registered: dict[str, str] = field(default_factory=dict)  # username -> email
    signed_out_cookies: list[tuple[str, dict]] = field(default_factory=list)
    privacy: dict[str, tuple[str, bool]] = field(default_factory=dict)  # message policy, read receipts
    themes: dict[str, str] = field(default_factory=dict)
    email_unread: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # verified new addresses
    exports: dict[str, int] = field(default_factory=dict)
    two_factor: dict[str, str | None] = field(default_factory=dict)  # the key last turned on, None when off
    deleted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _rows(conn, sql: str) -> list[tuple]:
    return [tuple(row) for row in conn.execute(sa.text(sql))]


def _by(run: str, deleted: set[str], body: str) -> bool:
    """Whether a post's body says it was written by someone who deleted their account."""
    return any(body.startswith(f"{run} {name} ") for name in deleted)


def check_database(url: str, run: str, accepted: Accepted, everyone: list[str]) -> list[str]:
    problems: list[str] = []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = dict(_rows(conn, 'SELECT username, id FROM "user"'))
        name_of = {v: k for k, v in ids.items()}
        gone = {ids[name] for name in accepted.deleted}

        def compare(what: str, stored, expected) -> None:
            if stored != expected:
                problems.append(f"{what}: accepted {expected}, stored {stored}")

        posts = _rows(conn, "SELECT id, body, user_id, edited_at FROM post")
        compare(
            "posts",
            sorted(b for _, b, _, _ in posts if b.startswith(run)),
            sorted(b for b in accepted.posts if not _by(run, accepted.deleted, b)),
        )
        compare("deleted posts still stored", {(i, b) for i, b, *_ in posts} & accepted.deleted_posts, set())
        compare(
            "edited posts without edited_at", {i for i, _, _, e in posts if i in accepted.edited_posts and not e}, set()
        )
        messages = _rows(conn, "SELECT id, body, unsent FROM message")
        compare("messages", sorted(b for _, b, _ in messages if b.startswith(run)), sorted(accepted.messages))
        compare("unsent", sorted(i for i, b, u in messages if u and b == ""), sorted(accepted.unsent))
        reactions = {
            (m, name_of[u]): n for m, u, n in _rows(conn, "SELECT message_id, user_id, name FROM message_reaction")
        }
        compare("reactions", reactions, {pair: n for pair, n in accepted.reactions.items() if n})
        hidden = {(name_of[u], m) for u, m in _rows(conn, "SELECT user_id, message_id FROM message_hidden")}
        compare("deleted for me", hidden, accepted.hidden)

        def without_deleted(pairs: dict) -> set:
            return {pair for pair, on in pairs.items() if on and not set(pair) & accepted.deleted}

        follows = {(name_of[a], name_of[b]) for a, b in _rows(conn, "SELECT follower_id, followed_id FROM followers")}
        compare("follows", follows, without_deleted(accepted.follows))
        blocks = {(name_of[a], name_of[b]) for a, b in _rows(conn, "SELECT blocker_id, blocked_id FROM block")}
        compare("blocks", blocks, without_deleted(accepted.blocks))

        columns = (
            "username, about_me, password_hash, activity_read_id, email, message_policy, read_receipts, theme, "
            "email_verified, pending_email, totp_secret, deleted_at"
        )
        users = {row[0]: row for row in _rows(conn, f'SELECT {columns} FROM "user"')}
        for name, about in accepted.about.items():
            compare(f"{name}'s about me", users[name][1], about)
        for name, password in accepted.passwords.items():
            if not check_password_hash(users[name][2], password):
                problems.append(f"{name}'s password is not the last one accepted")
        for name, seen in accepted.activity_seen.items():
            if users[name][3] < seen:
                problems.append(f"{name} saw activity {seen}, their watermark is {users[name][3]}")
        registered = {name: row[4] for name, row in users.items() if name not in everyone}
        compare("registrations", registered, accepted.registered)
        for name, (policy, receipts) in accepted.privacy.items():
            compare(f"{name}'s privacy", (users[name][5], bool(users[name][6])), (policy, receipts))
        for name, theme in accepted.themes.items():
            compare(f"{name}'s theme", users[name][7], theme)
        for name, address in accepted.emails.items():
            compare(f"{name}'s address", (users[name][4], bool(users[name][8]), users[name][9]), (address, True, None))
        for name, secret in accepted.two_factor.items():
            if name not in accepted.deleted:
                compare(f"{name}'s two-factor key", users[name][10], secret)
        for name in accepted.deleted:
            row = users[name]
            if row[11] is None or row[2] != UNUSABLE_PASSWORD or row[10] is not None or row[1] is not None:
                problems.append(f"{name} deleted their account, the row is not a tombstone: {row}")
        for table, columns in DELETED_WITH_THE_ACCOUNT.items():
            where = " OR ".join(f"{column} IN ({', '.join(map(str, gone)) or '0'})" for column in columns)
            if left := conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar():
                problems.append(f"{left} rows of {table} of deleted accounts are left")
        prefs = dict(_rows(conn, "SELECT user_id, unread FROM email_preference"))
        compare("email settings", {n: prefs.get(ids[n]) for n in accepted.email_unread}, accepted.email_unread)
        exports = _rows(conn, "SELECT user_id, count(*) FROM data_export GROUP BY user_id")
        compare("exports", {name_of[u]: n for u, n in exports}, accepted.exports)
        compare("exports started at once", {n for n in accepted.exports.values()}, {1})  # one under way at a time

        members = {
            (name_of[u], name_of[o]): (read, cleared, muted)
            for u, o, read, cleared, muted in _rows(
                conn,
                "SELECT user_id, other_id, last_read_message_id, cleared_before_id, muted FROM conversation_member",
            )
        }
        for pair, seen in accepted.read_up_to.items():
            if members[pair][0] < seen:
                problems.append(f"{pair}: read up to {seen} was shown, the watermark is {members[pair][0]}")
        for pair, seen in accepted.cleared_up_to.items():
            if members[pair][1] < seen:
                problems.append(f"{pair}: deleted up to {seen}, cleared only up to {members[pair][1]}")
        for pair, muted in accepted.muted.items():
            compare(f"{pair} muted", bool(members[pair][2]), muted)
        for reader, other in accepted.unread:
            if truth.unread_in(conn, ids[reader], ids[other]) == 0:
                problems.append(f"{reader} marked {other} unread: nothing in it counts as unread")
        # Every count the app stored (badge, activity) equals the tables' truth, whatever raced.
        for name, counts in truth.everyone(conn).items():
            if name not in accepted.deleted:
                stored = truth.stored_totals(conn, counts.user_id)
                compare(f"{name}'s stored counts (messages, activity)", stored, (counts.messages, counts.activity))
    engine.dispose()
    return problems
