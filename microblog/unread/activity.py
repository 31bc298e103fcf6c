"""Activity events (new followers, mentions, a ready export; SPEC S14) as they change counts: each one stored
or removed under its recipient's lock, their new total stored and announced at commit. No commit here: the
caller's write (`with changing(...)`) commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..activity.models import Activity
from ..extensions import db
from ..push import UNREAD, publish
from .counts import store_activity_total
from .locks import lock_users


def add_activity(user_id: int, actor_id: int, kind: str, post_id: int = 0) -> bool:
    """Store one event for `user_id` (under their lock, taken by the caller) unless that very event
    exists already; store their new total and announce it at commit. No commit. False when not new."""
    exists = db.session.scalar(
        sa.select(Activity.id).where(
            Activity.user_id == user_id,
            Activity.kind == kind,
            Activity.actor_id == actor_id,
            Activity.post_id == post_id,
        )
    )
    if exists is not None:
        return False
    db.session.add(Activity(user_id=user_id, actor_id=actor_id, kind=kind, post_id=post_id))
    db.session.flush()
    store_activity_total(user_id)
    publish(user_id, UNREAD)  # the badge refetches (both counts come in that one poll)
    return True


def remove_activity(*, kind: str, post_id: int) -> None:
    """Delete the events of `kind` about `post_id` (a deleted post's mentions) under their recipients'
    locks, in id order; store the recipients' new totals and announce them at commit. No commit."""
    about = sa.and_(Activity.kind == kind, Activity.post_id == post_id)
    recipients = set(db.session.scalars(sa.select(Activity.user_id).where(about)))
    lock_users(recipients)
    db.session.execute(sa.delete(Activity).where(about))
    _activity_changed(recipients)


def remove_activity_of(user_id: int) -> None:
    """Delete every event by and for `user_id` (a deleted account) under the locks of the user and of the
    people who had events from them, in id order; store those people's new totals and announce them at
    commit. No commit."""
    others = set(db.session.scalars(sa.select(Activity.user_id).where(Activity.actor_id == user_id)))
    others.discard(user_id)
    lock_users(others | {user_id})
    db.session.execute(sa.delete(Activity).where(sa.or_(Activity.actor_id == user_id, Activity.user_id == user_id)))
    _activity_changed(others)


def _activity_changed(user_ids) -> None:
    for user_id in sorted(user_ids):
        store_activity_total(user_id)  # counted from the data under the user's lock
        publish(user_id, UNREAD)
