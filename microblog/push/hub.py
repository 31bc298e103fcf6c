"""The streams open in this process, by user: wake the affected users' streams and nobody else's.

Every stream is a `Subscription` with its own wake-up event. Delivering a notification costs one dict
lookup and a wake-up per stream of that user: the work per commit does not grow with the number of open
streams. Only a resync (the fan-out connection came back) and a shutdown touch every stream.
"""

from __future__ import annotations

import threading
from collections import defaultdict

# What a stream can be told. Each is one SSE event name the page listens for (README, "Live push").
UNREAD = "unread"  # your unread count may have changed: the badge refetches itself
MESSAGE = "message"  # a message to or from you was stored: an open conversation refetches its new messages
SESSION = "session"  # your session token changed (sign-out, password change): the stream checks and closes
EVENTS = (UNREAD, MESSAGE, SESSION)
STATE = (UNREAD, MESSAGE)  # what a (re)connect or a resync sends: every live part refetches its state
SHUTDOWN = "shutdown"  # internal: the process is stopping; the stream ends and the browser reconnects


class Subscription:
    """One open stream: the events it has not sent yet, and the event that wakes it."""

    __slots__ = ("user_id", "_pending", "_lock", "_wake")

    def __init__(self, user_id: int):
        self.user_id = user_id
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def push(self, names) -> None:
        with self._lock:
            self._pending.update(names)
        self._wake.set()

    def wait(self, timeout: float) -> set[str]:
        """The events that arrived, waiting up to `timeout` seconds for one (empty set: time out)."""
        self._wake.wait(timeout)
        self._wake.clear()
        with self._lock:
            names, self._pending = self._pending, set()
        return names


class Hub:
    """The registry of this process's streams, with the per-user and per-process caps."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_user: dict[int, set[Subscription]] = defaultdict(set)
        self._count = 0
        self.closing = False

    def __len__(self) -> int:
        return self._count

    def subscribe(self, user_id: int, max_per_user: int, max_total: int) -> Subscription | None:
        """A new stream for `user_id`, or None when a cap is reached (or the process is stopping)."""
        with self._lock:
            streams = self._by_user[user_id]
            if self.closing or self._count >= max_total or len(streams) >= max_per_user:
                if not streams:
                    del self._by_user[user_id]
                return None
            sub = Subscription(user_id)
            streams.add(sub)
            self._count += 1
            return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            streams = self._by_user.get(sub.user_id)
            if streams is None or sub not in streams:
                return
            streams.discard(sub)
            self._count -= 1
            if not streams:
                del self._by_user[sub.user_id]

    def deliver(self, user_id: int, names) -> None:
        """Wake `user_id`'s streams in this process (none open: nothing to do)."""
        with self._lock:
            streams = tuple(self._by_user.get(user_id, ()))
        for sub in streams:
            sub.push(names)

    def deliver_all(self, names) -> None:
        """Wake every stream (after the fan-out connection came back: what happened meanwhile is unknown)."""
        with self._lock:
            streams = [sub for subs in self._by_user.values() for sub in subs]
        for sub in streams:
            sub.push(names)

    def close_all(self) -> None:
        """Stopping: refuse new streams and end the open ones (their browsers reconnect elsewhere)."""
        self.closing = True
        self.deliver_all((SHUTDOWN,))
