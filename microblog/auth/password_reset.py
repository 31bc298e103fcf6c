"""Password reset by email (the tutorial's /auth/reset_password_request and /auth/reset_password/<token>).

The link carries a signed token: the user's id and a fingerprint of their password hash, valid for
PASSWORD_RESET_MAX_AGE seconds. Any password change (this reset included) changes the hash, so a link
works once; setting the password also rotates the session token, which signs out every other session.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import StringField, SubmitField
from wtforms.validators import Email

from .. import ratelimit
from ..errors import error_response
from ..extensions import db
from ..forms import CleanText, Mailable
from ..htmx import redirect_after_post, render_form
from ..mail import MailError, public_url, send_email
from ..users.models import EMAIL_MAX, User
from .forms import new_password_field, repeat_password_field
from .throttle import device_of

bp = Blueprint("password_reset", __name__)

TOKEN_MAX = 500  # our tokens are ~100 characters; longer ones are not even decoded


class ResetPasswordRequestForm(FlaskForm):
    email = StringField(_l("Email"), validators=[CleanText(EMAIL_MAX), Email(check_deliverability=False), Mailable()])
    submit = SubmitField(_l("Request password reset"))


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    password2 = repeat_password_field(_l("Repeat new password"))
    submit = SubmitField(_l("Reset password"))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer().dumps({"id": user.id, "pw": _fingerprint(user)})


def user_for_token(token: str) -> User | None:
    """The user a valid, unexpired, unused token is for; None otherwise."""
    if len(token) > TOKEN_MAX:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
        user_id, fingerprint = int(data["id"]), str(data["pw"])
    except (BadData, KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and fingerprint == _fingerprint(user) else None


def send_password_reset_email(email: str, user: User | None) -> None:
    """The reset link to the account's address; to an address no account uses, an email saying so.

    Every request sends one email, so neither the time the answer takes nor a failing mail server tells
    whether an account exists (SPEC S16); the address's owner learns that someone asked.
    """
    if user is None:
        context = {"register": public_url("auth.register")}
        send_email(
            _("[Microblog] Password reset requested"),
            email,
            render_template("email/no_account.txt", **context),
            render_template("email/no_account.html", **context),
        )
        return
    link = public_url("password_reset.reset_password", token=reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    context = {"user": user, "link": link, "minutes": minutes}
    send_email(
        _("[Microblog] Reset your password"),
        user.email,
        render_template("email/reset_password.txt", **context),
        render_template("email/reset_password.html", **context),
    )


def reset_limits(email: str, user: User | None) -> list[ratelimit.Limit]:
    """The buckets a reset request counts against; nobody else can use up the owner's (SPEC S22).

    Per client address; per address *and* email, so requests from elsewhere never use up the owner's; and
    per email from anywhere (a bound on the emails one inbox receives), except that a browser where the
    account signed in before (its device cookie, microblog.auth.throttle) is counted on its own.
    """
    address = ratelimit.client_address()
    limits = [
        ratelimit.Limit.configured("reset-address", address, "RATELIMIT_RESET_PER_ADDRESS"),
        ratelimit.Limit.configured("reset-email", f"{email} {address}", "RATELIMIT_RESET_PER_EMAIL"),
    ]
    if (device := device_of(user)) is not None:
        limits.append(ratelimit.Limit.configured("reset-device", device, "RATELIMIT_RESET_PER_EMAIL"))
    else:
        limits.append(ratelimit.Limit.configured("reset-inbox", email, "RATELIMIT_RESET_PER_INBOX"))
    return limits


@bp.route("/reset_password_request", methods=["GET", "POST"])
def reset_password_request():
    """The 'forgot your password' form; the same answer whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = ResetPasswordRequestForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        # Each hit is counted and checked in one statement: concurrent requests cannot pass the limit.
        if retry := ratelimit.hit_all(reset_limits(email, user)):
            return ratelimit.too_many(retry, _("Too many password reset requests. Please try again later."))
        try:
            send_password_reset_email(email, user)
        except MailError:
            return error_response(503, _("We could not send the email just now. Please try again in a few minutes."))
        flash(
            _(
                "If an account uses this address, we have sent it an email with a link to reset the password. "
                "The link works for %(minutes)d minutes.",
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
            ),
            "info",
        )
        return redirect_after_post(url_for("auth.login"))
    return render_form("auth/reset_password_request.html", form=form)


@bp.route("/reset_password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """The new-password form for a valid link; a way back to ask for a new link otherwise."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    user = user_for_token(token)
    if user is None:
        flash(_("This password reset link is invalid, already used or expired. Please ask for a new one."), "warning")
        return redirect_after_post(url_for("password_reset.reset_password_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        # A new hash (this link stops working) and a new session token (every other session signs out).
        user.set_password(form.password.data)
        db.session.commit()
        flash(_("Your password has been reset. You can sign in with it now."), "success")
        return redirect_after_post(url_for("auth.login"))
    # The token is in this page's address: no cache (browser, proxy) may keep it, no other site may see it.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return render_form("auth/reset_password.html", form=form, token=token, headers=headers)
