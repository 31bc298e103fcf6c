"""People by the start of their name, shortest names first, then alphabetical: search's People and New
message's people picker (one order for both).

Sorting every name of a prefix's range by length grew with the range: "u" among 10,000 users sorted 10,000
names on every keystroke (search 3.3 ms of SQLite, the picker 2.1 ms), and a one-letter prefix among a million
users would sort a million. Now a statement first counts the range on the unique index of `username_key`, up
to CAP + 1 entries (`probe`):
- a range of at most CAP names is sorted in that same statement, as before (`within`);
- a larger one is empty to that statement (its upper bound becomes its lower one) and `shortest_keys` reads
  it from the partial index `ix_user_name_length` on (length(username_key), username_key) of live accounts:
  one seek per name length, shortest first, until enough names are found. At most USERNAME_MAX seeks of
  O(log n) each, however many people there are and however many match.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

from ..extensions import db
from .models import User
from .names import USERNAME_MAX

CAP = 64  # the most names of a range sorted whole: 64 index entries counted cost the probe ~0.03 ms
INDEX = "ix_user_name_length"
# Built by the migration `6e1b9d4c2a87` and, for `db.create_all()`, by the listener below; not declared on the
# model (Alembic cannot compare an index on an expression on SQLite): search.engine.include_name leaves it out.
INDEX_DDL = f'CREATE INDEX {INDEX} ON "user" (length(username_key), username_key) WHERE deleted_at IS NULL'


@sa.event.listens_for(User.__table__, "after_create")
def _create_index(table, connection, **kw) -> None:
    connection.exec_driver_sql(INDEX_DDL)


def prefix_params(key: str) -> dict:
    """The bound values of a prefix's range: keys from `low` (the prefix) up to `high` (its last letter's
    successor), and the LIKE pattern that keeps exactly the prefixed ones (any collation)."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    high = key[:-1] + chr(min(ord(key[-1]) + 1, 0x10FFFF))
    return {"low": key, "high": high, "prefix": escaped + "%"}


def _in_range(key, high=None) -> tuple:
    return (
        key >= sa.bindparam("low"),
        key < (sa.bindparam("high") if high is None else high),
        key.like(sa.bindparam("prefix"), escape="\\"),
    )


def probe() -> sa.CTE:
    """`n`: how many names the range holds, counted up to CAP + 1 on the unique index alone."""
    entries = sa.select(sa.literal(1)).where(*_in_range(User.username_key)).limit(CAP + 1).subquery("entries")
    return sa.select(sa.func.count().label("n")).select_from(entries).cte("probe")


def within(counted: sa.CTE) -> tuple:
    """Conditions on User for the range when it holds at most CAP names (`counted` = probe()); an empty range
    otherwise, so that nothing is read or sorted."""
    text = User.username_key.type
    high = sa.case((counted.c.n <= CAP, sa.bindparam("high", type_=text)), else_=sa.bindparam("low", type_=text))
    high = sa.select(high).scalar_subquery()
    return (*_in_range(User.username_key, high), User.deleted_at.is_(None))


def by_length() -> tuple:
    """The order of people by name: shortest first, then alphabetical."""
    return (sa.func.length(User.username_key), User.username_key)


@functools.cache
def _at_length() -> sa.Select:
    """The live names of one length in the range, alphabetical: a seek on ix_user_name_length. Built once."""
    key = User.username_key
    return (
        sa.select(key)
        .where(
            sa.func.length(key) == sa.bindparam("length", type_=sa.Integer), *_in_range(key), User.deleted_at.is_(None)
        )
        .order_by(key)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


def shortest_keys(key: str, limit: int) -> list[str]:
    """Up to `limit` name keys of live accounts starting with `key`, shortest first, then alphabetical: one
    seek per length (a range larger than CAP, where sorting it whole would cost a keystroke milliseconds)."""
    params, keys = prefix_params(key), []
    connection = db.session.connection()
    for length in range(len(key), USERNAME_MAX + 1):  # no stored key is longer (names.lookup_key)
        keys += connection.execute(_at_length(), {**params, "length": length, "limit": limit - len(keys)}).scalars()
        if len(keys) >= limit:
            break
    return keys
