"""What `flask seed` loads, decided before anything is written: a pure function of the sizes and the seed.

Users `user1..userN`, ~50 follows each, posts spread over the last year by random authors, messages with
random senders; `user1` receives USER1_SHARE of the messages and about a tenth of those are unread; of the
other recipients 60% have read everything, 30% have 1-3 unread and 10% a random number. `user1` and `user2`
share one long conversation (LONG_CONVERSATION messages, or a fifth of all on small data). Messages are
grouped into conversations (one per pair); each member's read watermark comes from the user's unread plan,
and the exact unread count of every user is known here, so the stored counts can agree with the data.

Ids are explicit (user i is id i, message i is id i+1 in `senders[i]`...), times are fractions of SPAN
(the writer turns them into dates), and the same arguments always give the same plan
(tests/seed/test_seed.py). Nothing here touches a database, a clock or a password hash.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta

from ..messages.models import ordered_pair

FOLLOWS_PER_USER = 50
USER1_SHARE = 0.02  # user1 receives 2% of all messages (the spec asks for at least 1%)
USER1_UNREAD = 0.10  # ... and about a tenth of those are unread
LONG_CONVERSATION = 10_000  # user1 <-> user2: the benchmark's long thread
SPAN = timedelta(days=365)  # posts and messages are spread over the last year

_WORDS = (
    "the a of to and in is it you that he was for on are with as his they be at one have this from or had by "
    "hot word but what some we can out other were all there when up use your how said an each she which do "
    "their time if will way about many then them write would like so these her long make thing see him two "
    "has look more day could go come did number sound no most people my over know water than call first who "
    "may down side been now find flask htmx python database query index badge poll message post follow"
).split()


@dataclass(frozen=True)
class Plan:
    users: int
    posts: int
    messages: int
    follows_per_user: int  # capped by the other users
    bodies: list[str]  # the pool of post and message bodies
    last_seen: list[float]  # per user (index 0 is user1): a fraction of SPAN
    follows: array  # user i follows follows[(i - 1) * follows_per_user : i * follows_per_user]
    post_body: list[int]  # per post (index 0 is post 1): an index into bodies
    post_author: list[int]
    senders: list[int]  # per message (index 0 is message 1)
    recipients: list[int]
    message_conversation: list[int]
    conversations: dict[tuple[int, int], int]  # (low id, high id) -> conversation id, in order of first message
    last_message: dict[int, int]  # conversation id -> its newest message id
    watermark: dict[int, int]  # user id -> the last message id they have read (in every conversation)
    unread: dict[int, int]  # user id -> unread messages, for users with some
    long_conversation: int  # messages between user1 and user2

    def follow_pairs(self):
        """(follower, followed) of every follow."""
        n = self.follows_per_user
        for i in range(1, self.users + 1):
            for followed in self.follows[(i - 1) * n : i * n]:
                yield i, followed


def _bodies(rng: random.Random, count: int = 2000) -> list[str]:
    """A pool of short plausible bodies (3 to 20 words, at most 140 characters)."""
    pool = []
    for _ in range(count):
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 20)))
        pool.append(text[:140].capitalize())
    return pool


def make_plan(users: int, posts: int, messages: int, follows: int = FOLLOWS_PER_USER, seed_value: int = 21) -> Plan:
    """The whole data set of `flask seed`; ValueError for sizes it cannot make."""
    if users < 1:
        raise ValueError("--users must be at least 1")
    if messages and users < 2:
        raise ValueError("messages need at least 2 users")
    rng = random.Random(seed_value)
    bodies = _bodies(rng)

    # Messages: who sends what to whom (the long conversation, user1's share, everyone else at random).
    recipients = [0] * messages
    senders = [0] * messages
    user1_n = max(1, round(messages * USER1_SHARE)) if messages else 0
    user1_slots = set(rng.sample(range(messages), user1_n)) if messages else set()
    inbox: dict[int, list[int]] = {}
    long_n = min(LONG_CONVERSATION, messages // 5)
    long_slots = set(rng.sample(range(messages), long_n)) if long_n else set()
    for i in range(messages):
        if i in long_slots:
            r, s = (1, 2) if i % 2 else (2, 1)
        else:
            r = 1 if i in user1_slots else rng.randint(2, users) if users > 2 else 2
            s = rng.randint(1, users - 1)
            if s >= r:
                s += 1
        recipients[i], senders[i] = r, s
        inbox.setdefault(r, []).append(i + 1)  # message id i+1, increasing: each inbox is sorted

    # Who has read what: a watermark per user, and the unread count it leaves.
    watermark: dict[int, int] = {}
    unread: dict[int, int] = {}
    for uid, ids in inbox.items():
        if uid == 1:
            n_unread = max(1, round(len(ids) * USER1_UNREAD))
        else:
            # Most people have read everything; some have a few unread, a few have many.
            roll = rng.random()
            n_unread = 0 if roll < 0.6 else rng.randint(1, 3) if roll < 0.9 else rng.randint(1, len(ids))
        n_unread = min(n_unread, len(ids))
        watermark[uid] = ids[len(ids) - n_unread - 1] if n_unread < len(ids) else 0
        if n_unread:
            unread[uid] = len(ids) - bisect_right(ids, watermark[uid])  # counted as count_unread() would

    # One conversation per pair, numbered in order of its first message; each member's watermark there is
    # the user's (one per user above), so the counts above hold per conversation too.
    conversations: dict[tuple[int, int], int] = {}
    last_message: dict[int, int] = {}
    message_conversation = [0] * messages
    for i in range(messages):
        cid = conversations.setdefault(ordered_pair(senders[i], recipients[i]), len(conversations) + 1)
        message_conversation[i] = cid
        last_message[cid] = i + 1

    last_seen = [rng.random() for _ in range(users)]
    per_user = min(follows, users - 1)
    follow_ids = array("i")
    for i in range(1, users + 1):
        follow_ids.extend(j + 1 if j >= i else j for j in rng.sample(range(1, users), per_user))
    post_body, post_author = [0] * posts, [0] * posts
    for i in range(posts):
        post_body[i] = rng.randrange(len(bodies))
        post_author[i] = rng.randint(1, users)
    return Plan(
        users,
        posts,
        messages,
        per_user,
        bodies,
        last_seen,
        follow_ids,
        post_body,
        post_author,
        senders,
        recipients,
        message_conversation,
        conversations,
        last_message,
        watermark,
        unread,
        long_n,
    )
