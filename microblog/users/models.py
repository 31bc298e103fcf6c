"""The User model and the follower graph."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .names import USERNAME_MAX, lookup_key, username_key

EMAIL_MAX = 120
ABOUT_ME_MAX = 140

followers = sa.Table(
    "followers",
    db.metadata,
    sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_followers_followed_id", "followed_id"),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_MAX))
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_MAX), unique=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    about_me: Mapped[Optional[str]] = mapped_column(sa.String(ABOUT_ME_MAX))
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session and remember cookie; changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    # Activity (microblog.activity) with an id up to this one has been seen on the activity page.
    activity_read_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # Who may message this user: everyone, people they follow, or nobody (SPEC S14).
    message_policy: Mapped[str] = mapped_column(sa.String(16), default="everyone", server_default="everyone")
    # "Seen" under messages, both ways: off, this user neither sends nor sees read receipts (SPEC S17).
    read_receipts: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())

    # Filled by the user loader with the stored unread count, so pages need no extra query for the badge.
    unread_count: int = 0
    activity_count: int = 0

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    def set_username(self, username: str) -> None:
        """Store a name (the forms have checked it against the username rule, users/names.py)."""
        if lookup_key(username) is None:  # a name nobody could type or find: never stored
            raise ValueError(f"not a storable username: {username!r}")
        self.username = username
        self.username_key = username_key(username)

    def set_password(self, password: str) -> None:
        # PASSWORD_HASH_METHOD: werkzeug's default (scrypt) unless configured; the tests use a fast one.
        method = current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @classmethod
    def by_username(cls, username: str) -> Optional["User"]:
        """The user with this name (any case), or None; odd or over-long names simply match nobody."""
        if (key := lookup_key(username)) is None:
            return None
        return db.session.scalar(sa.select(cls).where(cls.username_key == key))

    def is_following(self, user: "User") -> bool:
        stmt = sa.select(followers.c.follower_id).where(
            followers.c.follower_id == self.id, followers.c.followed_id == user.id
        )
        return db.session.scalar(stmt) is not None

    def follow(self, user: "User") -> bool:
        """Follow `user`; False when already following (nothing written)."""
        if user.id == self.id or self.is_following(user):
            return False
        db.session.execute(sa.insert(followers).values(follower_id=self.id, followed_id=user.id))
        return True

    def unfollow(self, user: "User") -> bool:
        """Stop following `user`; False when not following."""
        result = db.session.execute(
            sa.delete(followers).where(followers.c.follower_id == self.id, followers.c.followed_id == user.id)
        )
        return result.rowcount > 0

    def follow_summary(self, viewer_id: int | None = None) -> tuple[int, int, bool]:
        """(followers, following, whether `viewer_id` follows this user) in one statement."""
        n_followers = (
            sa.select(sa.func.count()).select_from(followers).where(followers.c.followed_id == self.id)
        ).scalar_subquery()
        n_following = (
            sa.select(sa.func.count()).select_from(followers).where(followers.c.follower_id == self.id)
        ).scalar_subquery()
        if viewer_id is None or viewer_id == self.id:
            viewer_follows = sa.false()
        else:
            viewer_follows = sa.exists().where(followers.c.follower_id == viewer_id, followers.c.followed_id == self.id)
        row = db.session.execute(sa.select(n_followers, n_following, viewer_follows)).one()
        return row[0], row[1], bool(row[2])
