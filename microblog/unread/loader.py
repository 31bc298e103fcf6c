"""The signed-in user with their counts, and the badge's poll: one join, built once, for both.

Every signed-in request loads the user and every `Counts` field's stored total in one statement; the
badge's poll reads the session token and the same totals in one statement outside the request's session.
Both come from `with_counts`: a new `Counts` field joins both at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from ..extensions import db
from ..notifications.models import Notification
from ..users.models import User
from .counts import Counts
from .state import run_read_only


def with_counts(*columns, counts: type[Counts] = Counts) -> sa.Select:
    """`columns` of the user `user_id` (a bound parameter), then the stored payload of each of `counts`'
    fields (NULL when none is stored): one outer join per field on the unique (user_id, name) index."""
    stmt = sa.select(*columns).select_from(User)
    payloads = []
    for _field, name in counts.stored():
        stored = sa.orm.aliased(Notification)
        stmt = stmt.outerjoin(stored, sa.and_(stored.user_id == User.id, stored.name == name))
        payloads.append(stored.payload_json)
    return stmt.add_columns(*payloads).where(User.id == sa.bindparam("user_id"))


# Built once: every signed-in request and every poll only bind `user_id` (the compiled form is cached).
USER_WITH_COUNTS = with_counts(User)
_BADGE_STATE = with_counts(User.session_token)


def load_user_with_counts(user_id: int, session_token: str) -> User | None:
    """The user, in one statement with their stored totals (put on `g.counts` for the navbar); None for a
    bad session."""
    row = db.session.execute(USER_WITH_COUNTS, {"user_id": user_id}).first()
    if row is None or row[0].session_token != session_token:
        return None
    g.counts, g.counts_user_id = Counts.from_payloads(row[1:]), user_id
    return row[0]


def badge_state(user_id: int, session_token: str) -> Counts | None:
    """The stored totals for a valid session, in one query; None when the session is not valid.

    The whole database cost of a badge poll: the session token (to honour sign-outs and password
    changes) and the stored counts, joined on the user's primary key and the unique (user_id, name)
    index. A Core statement: nothing loaded but a few strings.
    """
    row = run_read_only(_BADGE_STATE, {"user_id": user_id})
    if row is None or row[0] != session_token:
        return None
    return Counts.from_payloads(row[1:])
