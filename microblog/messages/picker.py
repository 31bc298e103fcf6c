"""New message's people picker: the people whose name starts with what was typed, shortest names first (as
search's People, users/prefix.py), each with why I may not message them.

One statement when the prefix starts at most prefix.CAP names: the people of the range and how each stands
with me (blocks, follows), beside the probe's count of the range. A larger range (a first letter among many
people) is not sorted whole: its shortest live names come from the name-length index, one seek per length
(`prefix.shortest_keys`), then one statement for those people and how each stands with me.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_login import current_user

from ..extensions import db
from ..search.engine import terms
from ..users import prefix
from ..users.models import User
from ..users.names import username_key
from ..users.relations import refusal, relation_columns

PICKER_SIZE = 8


@functools.cache
def _statements() -> tuple[sa.Select, sa.Select]:
    """Built once (their construction cost more than running them): the people of a small range with the
    probe's count `n` (a row without a user when none is shown); and the people of given name keys."""
    viewer = sa.bindparam("viewer")
    counted = prefix.probe()
    small = (
        sa.select(User, *relation_columns(viewer), counted.c.n)
        .select_from(counted)
        .outerjoin(User, sa.and_(*prefix.within(counted)))
        .order_by(*prefix.by_length())
        .limit(PICKER_SIZE + 1)
    )
    keyed = (
        sa.select(User, *relation_columns(viewer))
        .where(User.username_key.in_(sa.bindparam("keys", expanding=True)))
        .order_by(*prefix.by_length())
    )
    return small, keyed


def people(query: str) -> list[tuple[User, str | None]]:
    """Up to PICKER_SIZE people whose name starts with the query (not me), each with why I may not message
    them (None: I may); those I may message first."""
    words = terms(query)
    if not words:
        return []
    word = username_key(words[0])
    small, keyed = _statements()
    rows = list(db.session.execute(small, {**prefix.prefix_params(word), "viewer": current_user.id}))
    if rows[0][-1] > prefix.CAP:
        keys = prefix.shortest_keys(word, PICKER_SIZE + 1)
        rows = list(db.session.execute(keyed, {"keys": keys, "viewer": current_user.id})) if keys else []
    found = [
        (row[0], refusal(current_user, row[0], (bool(row[1]), bool(row[2]), bool(row[3]))))
        for row in rows
        if row[0] is not None and row[0].id != current_user.id
    ]
    found.sort(key=lambda pair: pair[1] is not None)  # stable: by name length, then name, within each
    return found[:PICKER_SIZE]
