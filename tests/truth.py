"""The counts as the tables say they must be: the tests' one oracle, in plain SQL, independent of the app's
unread code (nothing here imports `microblog`). The badge, the JSON feed, the conversation list, the
activity count and the stored totals are checked against it (tests/messages, tests/activity, house's
write checks, the seed test and the load test, tools/loadtest/checks.py).

What counts (SPEC S5, S12, S14, S17, S19), written from the spec, not from `microblog/unread`:

- A message is unread by its recipient while its id is above their read watermark in that conversation
  (`conversation_member.last_read_message_id`) and above what they deleted for themselves
  (`cleared_before_id`). An unsent message counts nowhere.
- A conversation's own count (the list's row) counts muted conversations too; the badge's total does not.
- Blocking refuses what comes next; it takes nothing back: messages and activity already received still
  count until read. So do messages from an account deleted since (shown as from "Deleted account").
- A message deleted for me alone (`message_hidden`) is still unread until the watermark passes it: hiding
  is not reading (a thread marks read what it shows, so the case only arises in a race).
- Activity (follows, mentions) is unread while its id is above the user's `activity_read_id`.

Every function takes something that runs SQL: the test's `db.session`, or a SQLAlchemy connection (the load
test's own engine). A user with no conversation has 0 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

# The messages to a member of a conversation that they have not read: the one predicate of this file.
_UNREAD_MESSAGES = """
    FROM conversation_member cm
    JOIN message m ON m.conversation_id = cm.conversation_id AND m.recipient_id = cm.user_id
    WHERE m.id > cm.last_read_message_id AND m.id > cm.cleared_before_id AND m.unsent = :false
"""


def _rows(db, sql: str, **params):
    return db.execute(sa.text(sql), {"false": False, **params}).all()


def unread_messages(db, user_id: int) -> int:
    """The badge's total: unread messages over the user's conversations, muted ones left out."""
    sql = f"SELECT count(*) {_UNREAD_MESSAGES} AND cm.user_id = :user AND cm.muted = :false"
    return _rows(db, sql, user=user_id)[0][0]


def unread_in(db, user_id: int, other_id: int) -> int:
    """One conversation's unread count for the user (the list's row; muted or not)."""
    sql = f"SELECT count(*) {_UNREAD_MESSAGES} AND cm.user_id = :user AND cm.other_id = :other"
    return _rows(db, sql, user=user_id, other=other_id)[0][0]


def unread_by_conversation(db, user_id: int) -> dict[int, int]:
    """{other person's id: unread count} for each conversation with something unread (muted ones too)."""
    sql = f"SELECT cm.other_id, count(*) {_UNREAD_MESSAGES} AND cm.user_id = :user GROUP BY cm.other_id"
    return dict(_rows(db, sql, user=user_id))


def unread_activity(db, user_id: int) -> int:
    """The activity count: the user's follows and mentions above their activity watermark."""
    sql = 'SELECT count(*) FROM activity a JOIN "user" u ON u.id = a.user_id WHERE u.id = :user AND a.id > u.activity_read_id'
    return _rows(db, sql, user=user_id)[0][0]


@dataclass
class Counts:
    """One user's counts as the tables say: the badge's total, the activity count, each conversation's."""

    user_id: int
    messages: int = 0
    activity: int = 0
    conversations: dict[int, int] = field(default_factory=dict)  # other's id -> unread (muted ones too)


def everyone(db) -> dict[str, Counts]:
    """{username: Counts} for every user, in four statements (the load test checks thousands of users)."""
    counts = {name: Counts(user_id) for name, user_id in _rows(db, 'SELECT username, id FROM "user"')}
    by_id = {c.user_id: c for c in counts.values()}
    sql = f"SELECT cm.user_id, cm.other_id, cm.muted, count(*) {_UNREAD_MESSAGES} GROUP BY cm.user_id, cm.other_id, cm.muted"
    for user_id, other_id, muted, n in _rows(db, sql):
        by_id[user_id].conversations[other_id] = n
        if not muted:
            by_id[user_id].messages += n
    sql = 'SELECT u.id, count(*) FROM activity a JOIN "user" u ON u.id = a.user_id WHERE a.id > u.activity_read_id GROUP BY u.id'
    for user_id, n in _rows(db, sql):
        by_id[user_id].activity = n
    return counts


def stored_totals(db, user_id: int) -> tuple[int, int]:
    """What the app stored for the badge (the tutorial's `unread_message_count` and the activity count
    notifications; none stored is 0): to compare with `unread_messages` and `unread_activity`."""
    sql = "SELECT name, payload_json FROM notification WHERE user_id = :user AND name IN (:m, :a)"
    stored = dict(_rows(db, sql, user=user_id, m="unread_message_count", a="unread_activity_count"))
    return int(stored.get("unread_message_count") or 0), int(stored.get("unread_activity_count") or 0)


def badge(db, user_id: int) -> int:
    """The badge's total after asserting that what the app stored for it is the truth."""
    stored, truth = stored_totals(db, user_id)[0], unread_messages(db, user_id)
    assert stored == truth, f"user {user_id}: the stored badge says {stored}, the tables {truth}"
    return truth


def activity(db, user_id: int) -> int:
    """The activity count after asserting that what the app stored for it is the truth."""
    stored, truth = stored_totals(db, user_id)[1], unread_activity(db, user_id)
    assert stored == truth, f"user {user_id}: the stored activity count says {stored}, the tables {truth}"
    return truth
