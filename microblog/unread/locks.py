"""The per-user lock, and the write rule's idiom: `with changing(*user_ids):` around the act of a write.

Every change to a user's unread state runs under `lock_user(user_id)` until commit. On PostgreSQL a row lock
on the user (`SELECT ... FOR NO KEY UPDATE`), on SQLite the database write lock taken at `BEGIN IMMEDIATE`.
Writers for one recipient are therefore serialised, so message ids to a recipient grow in commit order, and
a watermark or a poll cursor by id never skips a message committed later (SPEC S5, S11 items 3-5).
See the write rule in `microblog/database.py` and the README ("Security").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ..database import IMMEDIATE, begin_write
from ..extensions import db
from ..users.models import User


def lock_user(user_id: int) -> bool:
    """Serialise every change to one user's unread state until commit; False when there is no such user."""
    session = db.session()  # the real Session: scoped_session does not proxy in_transaction()
    if session.get_bind().dialect.name == "sqlite":
        if not (session.in_transaction() and session.connection().get_execution_options().get(IMMEDIATE)):
            begin_write()
    # FOR NO KEY UPDATE (key_share): two users messaging each other at once must not deadlock on the
    # KEY SHARE locks that the messages' foreign keys take on the sender rows.
    found = session.execute(sa.select(User.id).where(User.id == user_id).with_for_update(key_share=True))
    return found.scalar_one_or_none() is not None


def lock_users(user_ids) -> None:
    """Lock several users, in id order (two writers never wait on each other crosswise)."""
    for user_id in sorted(set(user_ids)):
        lock_user(user_id)


class Write:
    """The write `changing` runs: `lock(*user_ids)` takes more users' locks once the act knows them."""

    def lock(self, *user_ids: int) -> None:
        lock_users(user_ids)


@contextmanager
def changing(*user_ids: int) -> Iterator[Write]:
    """Run the block as one write transaction holding the users' locks (in id order); commit after it,
    which is when push events go out (`publish` sends at commit); roll back when the block raises.

    It begins the write before anything is read (on SQLite, BEGIN IMMEDIATE). Without user ids it is just
    "begin a write".
    """
    begin_write()
    try:
        lock_users(user_ids)
        yield Write()
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
