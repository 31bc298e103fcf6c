"""What is unread, written once, and the one way a watermark moves.

A watermark is an id: everything for the user with a higher id is unread. Messages have one per
conversation (`Member.last_read_message_id`), activity one per user (`User.activity_read_id`). It only goes
up, whatever order two of the user's requests commit in: `move_up` is the one UPDATE that raises one
(`mark_read` and `mark_activity_read` in reads.py; `mark_unread` sets it back down on purpose).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db


def unread_messages(member, message) -> sa.ColumnElement[bool]:
    """The messages (`message`: the Message entity or an alias) unread by `member` (Member or an alias, or a
    correlated row) in their conversation: to them, above their watermark there, not unsent. Every count
    of unread messages uses this: the badge's total and each conversation's count in the list."""
    return sa.and_(
        message.conversation_id == member.conversation_id,
        message.recipient_id == member.user_id,
        message.id > member.last_read_message_id,
        message.unsent.is_(False),
    )


def greatest(column, value):
    """`column` or `value`, whichever is higher, in SQL (GREATEST on PostgreSQL, two-argument MAX on SQLite)."""
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    return (sa.func.greatest if on_postgresql else sa.func.max)(column, value)


def move_up(watermark, where, up_to: int, *, also=None, only_if_below: bool = True) -> bool:
    """Raise the `watermark` column (and the `also` columns, {column: value}) of the rows `where` selects to
    at least `up_to`, in one UPDATE; True when a row was written. With `only_if_below` (the default) a row
    whose watermark is already there is not touched. The caller holds the user's lock (`changing`)."""
    stmt = sa.update(watermark.class_).where(where)
    if only_if_below:
        stmt = stmt.where(watermark < up_to)
    values = {
        watermark.key: greatest(watermark, up_to),
        **{column.key: value for column, value in (also or {}).items()},
    }
    # The caller sets the loaded object's new values from what was written: no reload.
    return db.session.execute(stmt.values(values).execution_options(synchronize_session=False)).rowcount > 0
