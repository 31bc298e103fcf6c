"""New message's people picker: the people whose name starts with what was typed, shortest names first (as
search's People), each with why I may not message them, in one statement.

Search's own statement (`search.engine.search_users`) sorts every name of the prefix's range read from the
user rows (to leave deleted accounts out): 4-13 ms for "user" among 10,000 users. Here the shortest keys of
the range come from the unique index of `username_key` alone (no row read, ~1.5 ms), a window a little
larger than the picker; only those are joined to their users (deleted accounts left out) and to how each
stands with me, with the window's size. The answer is exact: when fewer people than the picker shows came
back from a full window (deleted accounts took their places), search's exact statement answers; when none
came back, a probe of the index says whether the range was longer than the window. (A count of the whole
range beside the window, `count(*) OVER ()`, made SQLite sort all of it: 16 ms.)
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_login import current_user

from ..users.relations import refusal, relation_columns
from ..extensions import db
from ..search.engine import search_users, terms
from ..users.models import User
from ..users.names import username_key

PICKER_SIZE = 8
WINDOW = 32  # the shortest keys of the range taken from the index; more than PICKER_SIZE + 1 for deleted accounts


@functools.cache
def _statement() -> sa.Select:
    """Built once (its construction cost more than running it): `viewer`, `low`, `high`, `prefix` are bound."""
    key = User.username_key
    shortest = (
        sa.select(key.label("key"))
        .where(key >= sa.bindparam("low"), key < sa.bindparam("high"), key.like(sa.bindparam("prefix"), escape="\\"))
        .order_by(sa.func.length(key), key)
        .limit(WINDOW)
        .cte("shortest")  # used twice: computed once (SQLite and PostgreSQL materialize such a CTE)
    )
    in_window = sa.select(sa.func.count()).select_from(shortest).scalar_subquery()
    return (
        sa.select(User, *relation_columns(sa.bindparam("viewer")), in_window)
        .join(shortest, shortest.c.key == User.username_key)
        .where(User.deleted_at.is_(None))
        .order_by(sa.func.length(shortest.c.key), shortest.c.key)
        .limit(PICKER_SIZE + 1)
    )


def _exact(words: list[str], viewer_id: int) -> list[sa.Row]:
    """Search's statement for the names, then the people and how each stands with me (two statements)."""
    keys = [username_key(row.username) for row in search_users(words, limit=PICKER_SIZE + 1)]
    if not keys:
        return []
    rows = db.session.execute(sa.select(User, *relation_columns(viewer_id)).where(User.username_key.in_(keys)))
    order = {k: i for i, k in enumerate(keys)}
    return sorted(rows, key=lambda row: order[row[0].username_key])


def people(query: str) -> list[tuple[User, str | None]]:
    """Up to PICKER_SIZE people whose name starts with the query (not me), each with why I may not message
    them (None: I may); those I may message first."""
    words = terms(query)
    if not words:
        return []
    word = username_key(words[0])
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    upper = word[:-1] + chr(min(ord(word[-1]) + 1, 0x10FFFF))
    params = {"low": word, "high": upper, "prefix": escaped + "%"}
    rows = list(db.session.execute(_statement(), {**params, "viewer": current_user.id}))
    if len(rows) < PICKER_SIZE + 1 and (rows[0][-1] == WINDOW if rows else _range_beyond_window(params)):
        # Fewer people than asked for from a full window (or none at all, and more names than the window):
        # deleted accounts took their places
        rows = _exact(words, current_user.id)
    found = [
        (row[0], refusal(current_user, row[0], (bool(row[1]), bool(row[2]), bool(row[3]))))
        for row in rows
        if row[0].id != current_user.id
    ]
    found.sort(key=lambda pair: pair[1] is not None)  # stable: by name length, then name, within each
    return found[:PICKER_SIZE]


def _range_beyond_window(params: dict) -> bool:
    """Whether the prefix's range holds more than WINDOW names (the index alone, one entry read past WINDOW)."""
    key = User.username_key
    stmt = (
        sa.select(key)
        .where(key >= params["low"], key < params["high"], key.like(params["prefix"], escape="\\"))
        .limit(1)
        .offset(WINDOW)
    )
    return db.session.scalar(stmt) is not None
