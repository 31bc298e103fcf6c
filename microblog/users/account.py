"""Saving the profile and privacy settings (SPEC S19); a rename keeps the old name reserved."""

from __future__ import annotations

import sqlalchemy as sa

from ..database import begin_write
from ..extensions import db
from .models import ReservedName, User
from .names import username_key


def save_profile(user_id: int, username: str, about_me: str | None) -> None:
    """Store the name and about-me; an old name stays reserved for this user. Commits (IntegrityError
    when another account took the name meanwhile)."""
    begin_write()
    user = db.session.get(User, user_id)
    old_key, new_key = user.username_key, username_key(username)
    if new_key != old_key:
        # Taking back an old name of one's own frees its reservation; the name left behind is reserved.
        db.session.execute(
            sa.delete(ReservedName).where(ReservedName.username_key == new_key, ReservedName.user_id == user_id)
        )
        db.session.add(ReservedName(username_key=old_key, user_id=user_id))
    user.set_username(username)
    user.about_me = about_me
    db.session.commit()


def save_privacy(user_id: int, message_policy: str, read_receipts: bool) -> None:
    begin_write()
    db.session.execute(
        sa.update(User).where(User.id == user_id).values(message_policy=message_policy, read_receipts=read_receipts)
    )
    db.session.commit()
