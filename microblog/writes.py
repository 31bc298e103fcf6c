"""The write rule's idiom: `with changing(*user_ids):` around the act of a write.

It begins the write transaction before anything is read (on SQLite, BEGIN IMMEDIATE), locks the users whose
unread state the act changes in id order (`microblog.unread.lock_users`), and commits at the end, which is
when push events go out; it rolls back when the block raises. Without user ids it is just "begin a write".
See the write rule in `microblog/database.py` and the README ("Security").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .database import begin_write
from .extensions import db
from .unread import lock_users


@contextmanager
def changing(*user_ids: int) -> Iterator[None]:
    """Run the block as one write transaction holding the users' locks; commit after it, roll back on error."""
    begin_write()
    try:
        lock_users(user_ids)
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
