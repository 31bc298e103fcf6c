"""A thread's page: a window of its messages (the newest, or those before a cursor) with their reactions, in
one statement, as plain rows (the thread's poll and single messages keep loading Message entities)."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from ..extensions import db
from .models import REACTIONS, Hidden, Member, Message, Reaction

MAX_ID = 2**31 - 1  # message ids are INTEGER: none is above this


class ListedMessage:
    """A message of a thread's page as its partials read it (every column of Message, by the same names):
    20 of these cost a thread ~0.2 ms less than Message entities (the ORM's identity map and instance state)."""

    __slots__ = (
        "id",
        "conversation_id",
        "sender_id",
        "recipient_id",
        "body",
        "timestamp",
        "edited_at",
        "unsent",
        "version",
    )

    def __init__(self, row):
        self.id, self.conversation_id, self.sender_id, self.recipient_id, self.body = row[:5]
        self.timestamp, self.edited_at, self.unsent, self.version = row[5:9]


@functools.cache
def _window() -> sa.Select:
    """Built once, as every statement a thread runs. The window (an index range on (conversation_id, id),
    newest first) joined to its reactions, a row per reaction (two people a conversation: at most two a
    message): one statement fewer than the grouped reactions query (`actions.reactions_of`), ~0.1 ms a page."""
    hidden = sa.exists().where(Hidden.user_id == sa.bindparam("user_id"), Hidden.message_id == Message.id)
    window = (
        sa.select(*(getattr(Message, name) for name in ListedMessage.__slots__))
        .where(
            Message.conversation_id == sa.bindparam("conversation_id"),
            Message.id > sa.bindparam("cleared"),
            Message.id <= sa.bindparam("up_to"),
            ~hidden,
        )
        .order_by(Message.id.desc())
        .limit(sa.bindparam("limit"))
        .subquery("window")
    )
    return (
        sa.select(*window.c, Reaction.name, Reaction.user_id)
        .outerjoin(Reaction, Reaction.message_id == window.c.id)
        .order_by(window.c.id.desc())
    )


def thread(member: Member, *, before: int | None = None, limit: int) -> tuple[list[ListedMessage], bool, dict]:
    """Up to `limit` visible messages of the member's conversation older than `before` (or the newest),
    oldest first; whether there are earlier ones; and their reactions as `actions.reactions_of` gives them
    to the member ({message id: [(reaction, count, mine)]} in REACTIONS order)."""
    params = {
        "conversation_id": member.conversation_id,
        "user_id": member.user_id,
        "cleared": member.cleared_before_id,
        "up_to": before - 1 if before is not None else MAX_ID,
        "limit": limit + 1,
    }
    messages: list[ListedMessage] = []
    found: dict[int, dict[str, list]] = {}
    for row in db.session.execute(_window(), params):
        if not messages or messages[-1].id != row[0]:
            messages.append(ListedMessage(row))
        if row[9] is not None:
            count_mine = found.setdefault(row[0], {}).setdefault(row[9], [0, False])
            count_mine[0] += 1
            count_mine[1] = count_mine[1] or row[10] == member.user_id
    shown = messages[:limit]
    reactions = {
        m.id: [(name, *found[m.id][name]) for name in REACTIONS if name in found[m.id]] for m in shown if m.id in found
    }
    return shown[::-1], len(messages) > limit, reactions
