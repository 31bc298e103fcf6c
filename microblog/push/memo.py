"""The badge poll's per-process memo: each user's last counts, trusted only while the fan-out has heard
every commit since they were read (issue 25: the idle poll without its query).

A tab polls its badge every few seconds and almost always nothing changed. Every change of a count
publishes an event for its user in the same transaction (microblog.push.publish), and the fan-out of this
process hears every event: it forgets the user's memo before it wakes their streams. So a memo entry is as
good as the database while the fan-out has heard everything committed so far. The memo is used only where
that is cheap to know for certain: on SQLite, `PRAGMA data_version` on the watcher's connection tells
whether anything was committed since its last look (SQLiteWatcher.heard_everything). Anywhere else, or when
unsure (listener down, not yet connected, an unknown user, a token that differs), the database answers.
An entry is trusted for a minute at most. A session token is part of every entry: a sign-out or a password change publishes `session`, which forgets
the entry, and a token other than the stored one is never answered from here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_ENTRIES = 100_000  # users per process; past it the memo starts again (the database answers meanwhile)
# An entry is trusted this long at most: a change that published nothing (a hand-made edit of the database)
# reaches the badge within it, as it reached it at the next poll before. One query per user per minute.
MAX_AGE_SECONDS = 60.0


class PollMemo:
    """Per process: each user's (session token, badge state, when read), forgotten by the fan-out."""

    def __init__(self, max_age: float = MAX_AGE_SECONDS):
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[str, tuple, float]] = {}  # user id -> (token, state, read at)
        self._epoch = 0  # moves with every forget: a read that raced one is not stored

    def forget(self, user_id: int) -> None:
        with self._lock:
            self._entries.pop(user_id, None)
            self._epoch += 1

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()
            self._epoch += 1

    def read(self, heard_everything: Callable[[], bool], user_id: int, token: str, read: Callable[[], tuple | None]):
        """The user's state: from the memo when the fan-out has heard every commit and the entry's token is
        `token`; else `read()` (None: no valid session), remembered when nothing was forgotten meanwhile."""
        heard = heard_everything()  # first: an entry read after it has seen every forget up to then
        with self._lock:
            epoch = self._epoch
            entry = self._entries.get(user_id)
        now = time.monotonic()
        if heard and entry is not None and entry[0] == token and now - entry[2] < self.max_age:
            return entry[1]
        state = read()
        if heard and state is not None:
            with self._lock:
                if self._epoch == epoch:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[user_id] = (token, state, now)
        return state
