"""Marking read: the only ways a count goes down. Messages (per conversation) and activity (per user) share
the flow: nothing written and no lock taken when the watermark would not move (it only grows, so the value
loaded is a lower bound of the stored one); else, under the user's lock, the one mover (`move_up`), the new
total stored, the user's other tabs told, commit.
"""

from __future__ import annotations

from sqlalchemy.orm.attributes import set_committed_value

from ..database import utcnow
from ..messages.models import Member
from ..messages.versions import bump
from ..push import MESSAGE, UNREAD, publish
from ..users.models import User
from .counts import shows, store_activity_total, store_total
from .locks import changing
from .watermark import greatest, move_up


def mark_read(user: User, member: Member, up_to: int, *, clear: bool = False) -> int | None:
    """Mark the member's messages up to id `up_to` as read (and, with `clear`, hide them from the member
    alone); commit and return the user's new total, None when nothing moved.

    Messages committed after the page was queried have higher ids (see the lock) and stay unread.
    """
    if up_to <= member.last_read_message_id and not clear:
        return None
    also = {}
    if user.read_receipts:  # "Seen" is recorded only while the reader sends read receipts
        also.update({Member.seen_message_id: greatest(Member.seen_message_id, up_to), Member.seen_at: utcnow()})
    if clear:
        also[Member.cleared_before_id] = greatest(Member.cleared_before_id, up_to)
    mine = (Member.conversation_id == member.conversation_id) & (Member.user_id == user.id)
    with changing(user.id):
        if not move_up(Member.last_read_message_id, mine, up_to, also=also, only_if_below=not clear):
            return None
        total = store_total(user.id)
        version = bump(member.conversation_id)
        publish(user.id, UNREAD)  # the reader's other tabs drop their badge too
        publish(member.other_id, MESSAGE)  # the other side's open thread shows "Seen" (its GET decides whether)
    # What was written, set as loaded (not as a change: the session stays clean for later writes).
    set_committed_value(member, "last_read_message_id", max(member.last_read_message_id, up_to))
    if clear:
        set_committed_value(member, "cleared_before_id", max(member.cleared_before_id, up_to))
    shows(user.id, messages=total)
    # The version the page may show: ours, if no other change came between the membership's read and now.
    if getattr(member, "version", None) == version - 1:
        member.version = version
    return total


def mark_activity_read(user: User, up_to: int) -> int | None:
    """Move the user's activity watermark up to `up_to` (only ever up), commit, return the new total; None
    when nothing moved."""
    if up_to <= user.activity_read_id:
        return None
    with changing(user.id):
        if not move_up(User.activity_read_id, User.id == user.id, up_to):
            return None
        total = store_activity_total(user.id)
        publish(user.id, UNREAD)
    set_committed_value(user, "activity_read_id", max(user.activity_read_id, up_to))
    shows(user.id, activity=total)
    return total
