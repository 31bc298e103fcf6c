"""The User model (how two users stand: users/relations.py)."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, end_read, utcnow
from ..extensions import db
from .names import USERNAME_MAX, lookup_key, username_key

EMAIL_MAX = 120
ABOUT_ME_MAX = 140

# No mail goes there (RFC 2606 reserves .invalid; the email validator refuses it).
NO_ADDRESS_DOMAIN = "no-address.invalid"


def no_address() -> str:
    """A unique placeholder for the `email` column of an account with no address on file."""
    return f"{secrets.token_hex(8)}@{NO_ADDRESS_DOMAIN}"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


def display_name(username: str, deleted_at: datetime | None) -> str:
    """The name to show for a user (also for rows that are not User entities): "Deleted account" for a deleted one."""
    return str(_l("Deleted account")) if deleted_at is not None else username


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_MAX))
    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_MAX), unique=True)
    # The address on file (unique), or a placeholder at NO_ADDRESS_DOMAIN for an account whose only address
    # still waits for verification, and for a deleted one. `email_verified`: its owner followed a
    # verification link (users/email.py).
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    email_verified: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # An address asked for (a change, or registering with an address another account holds), not yet verified.
    pending_email: Mapped[Optional[str]] = mapped_column(sa.String(EMAIL_MAX))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    about_me: Mapped[Optional[str]] = mapped_column(sa.String(ABOUT_ME_MAX))
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session and remember cookie; changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    # Activity (microblog.activity) with an id up to this one has been seen on the activity page.
    activity_read_id: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # Who may message this user: everyone, people they follow, or nobody (SPEC S14).
    message_policy: Mapped[str] = mapped_column(sa.String(16), default="everyone", server_default="everyone")
    # The colour scheme pages are drawn in: "system" (follow prefers-color-scheme), "light" or "dark".
    theme: Mapped[str] = mapped_column(sa.String(8), default="system", server_default="system")
    # Send read receipts ("Seen"); the messenger reads it (SPEC S17).
    read_receipts: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    # Two-factor sign-in (auth/two_factor.py): the TOTP secret when on, and the last time step a code was
    # accepted for (a code is never accepted twice).
    totp_secret: Mapped[Optional[str]] = mapped_column(sa.String(32))
    totp_last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # A deleted account is a tombstone (users/deletion.py): its name stays reserved, its messages show as
    # from "Deleted account".
    deleted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def display_name(self) -> str:
        """The name to show: the username, or "Deleted account" for a deleted one."""
        return display_name(self.username, self.deleted_at)

    @property
    def has_address(self) -> bool:
        return not self.email.endswith("@" + NO_ADDRESS_DOMAIN)

    @property
    def two_factor(self) -> bool:
        return self.totp_secret is not None

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
        password_hash = self.password_hash
        end_read()  # a check takes ~0.1-0.3 s (scrypt): a sign-in holds no lock meanwhile
        return check_password_hash(password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @classmethod
    def by_username(cls, username: str) -> Optional["User"]:
        """The user with this name (any case), or None; odd or over-long names simply match nobody."""
        if (key := lookup_key(username)) is None:
            return None
        return db.session.scalar(_by_username_key(), {"key": key})


class ReservedName(db.Model):
    """A username key nobody else may take: a renamed user's old name (old @mentions keep pointing at
    them). A deleted account keeps its own name in its tombstone row. The holder may take it back."""

    __tablename__ = "reserved_name"

    username_key: Mapped[str] = mapped_column(sa.String(USERNAME_MAX), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(db.Model):
    """One of a user's single-use two-factor recovery codes, kept only as a SHA-256 hash."""

    __tablename__ = "recovery_code"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)


@functools.cache
def _by_username_key() -> sa.Select:
    """Built once: a lookup by name binds the key (building the statement cost more than running it)."""
    return sa.select(User).where(User.username_key == sa.bindparam("key"))
