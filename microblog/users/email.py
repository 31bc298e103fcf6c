"""Email addresses: verification links, the address change, and who may get which email (SPEC S19).

An address is verified by a signed link (the user's id and the address, valid EMAIL_VERIFY_MAX_AGE
seconds). A link is good only while its address still waits: the account's unverified `email`, or its
`pending_email`. Using it changes that, so every link to that address works once. A new address (a
change, or registering with an address another account holds) waits in `pending_email` and takes the
`email` column only when verified: nobody can hold somebody else's address by typing it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer

from ..database import begin_write
from ..extensions import db
from ..mail import public_url, send_email
from .models import User, no_address

TOKEN_MAX = 500  # our tokens are ~100 characters; longer ones are not even decoded


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verify")


def waiting_address(user: User) -> str | None:
    """The address this account waits to verify (pending first), or None when there is none."""
    if user.pending_email:
        return user.pending_email
    return None if user.email_verified or not user.has_address else user.email


def verify_token(user: User, address: str) -> str:
    return _serializer().dumps({"id": user.id, "email": address})


def read_token(token: str) -> tuple[int, str] | None:
    """(user id, address) from a valid, unexpired link; None otherwise."""
    if len(token) > TOKEN_MAX:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_VERIFY_MAX_AGE"])
        return int(data["id"]), str(data["email"])
    except (BadData, KeyError, TypeError, ValueError):
        return None


def holder_of(address: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == address))


def _notice(subject: str, address: str, lines: list[str], link: str | None = None) -> None:
    context = {"lines": lines, "link": link}
    send_email(
        subject,
        address,
        render_template("email/notice.txt", **context),
        render_template("email/notice.html", **context),
    )


def send_verification(user: User, address: str) -> None:
    """The verification link for `address`; an address a verified account holds gets a notice instead."""
    holder = holder_of(address)
    if holder is not None and holder.id != user.id and holder.email_verified:
        _notice(
            _("[Microblog] Your address was used to register"),
            address,
            [
                _(
                    "Someone tried to use this address for a new Microblog account. It already belongs to "
                    "your account, so nothing changed."
                ),
                _("If it was you and you forgot your password, you can reset it here:"),
            ],
            public_url("password_reset.reset_password_request"),
        )
        return
    link = public_url("verification.verify_email", token=verify_token(user, address))
    hours = current_app.config["EMAIL_VERIFY_MAX_AGE"] // 3600
    context = {"user": user, "link": link, "hours": hours}
    send_email(
        _("[Microblog] Verify your email address"),
        address,
        render_template("email/verify_email.txt", **context),
        render_template("email/verify_email.html", **context),
    )


def tell_old_address(user: User, old: str, new: str) -> None:
    """Tell the address on file that someone asked to change it."""
    _notice(
        _("[Microblog] Your email address is being changed"),
        old,
        [
            _(
                "Someone signed in as %(username)s asked to change the account's email address to %(new)s. "
                "It changes once the new address is verified.",
                username=user.username,
                new=new,
            ),
            _("If it was not you, change your password now:"),
        ],
        public_url("password_reset.reset_password_request"),
    )


def request_change(user: User, address: str) -> None:
    """Keep `address` waiting for verification (the current one stays until then); commit."""
    begin_write()
    db.session.execute(sa.update(User).where(User.id == user.id).values(pending_email=address))
    db.session.commit()


def verify(user_id: int, address: str) -> str:
    """Use a verification link: "ok", "used" (nothing waits for this address, or no such account) or
    "taken" (a verified account holds the address now). Commits."""
    begin_write()  # SQLite: the write lock before reading what we change
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        db.session.rollback()
        return "used"
    if address == user.email and not user.email_verified:
        user.email_verified = True
    elif address == user.pending_email:
        holder = holder_of(address)
        if holder is not None and holder.id != user.id:
            if holder.email_verified:
                db.session.rollback()
                return "taken"
            holder.email = no_address()  # an unverified claim gives way to the verified owner
            db.session.flush()
        user.email, user.pending_email, user.email_verified = address, None, True
    else:
        db.session.rollback()
        return "used"
    db.session.commit()
    return "ok"
