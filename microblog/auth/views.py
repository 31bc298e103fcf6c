"""Accounts: register, sign in, sign out (at the tutorial's /auth/... URLs)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from .. import ratelimit
from ..errors import error_response
from ..extensions import db
from ..htmx import redirect_after_post
from ..users.models import User, new_session_token, username_key
from .forms import ChangePasswordForm, LoginForm, RegistrationForm
from .login import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; on success, a redirect to `?next=` (same-site paths only) or home."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        limits = _login_limits(form.username.data)
        if (retry := max((ratelimit.peek(*limit) or 0) for limit in limits)) > 0:
            return _too_many(_("Too many failed sign-ins. Please wait a few minutes and try again."), retry)
        user = User.by_username(form.username.data)
        if user is not None and user.check_password(form.password.data):
            login_user(user, remember=form.remember_me.data)
            return redirect_after_post(safe_next(request.args.get("next")) or url_for("posts.index"))
        for limit in limits:
            ratelimit.hit(*limit)
        # One message for a wrong name or a wrong password: do not tell which accounts exist.
        form.password.errors.append(_("Invalid username or password."))
    if form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form, next=safe_next(request.args.get("next"))), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """The registration page; on success, a redirect to the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = RegistrationForm()
    limit = ("register", ratelimit.client_address(), *ratelimit.limit_of("RATELIMIT_REGISTER_PER_ADDRESS"))
    if form.is_submitted() and (retry := ratelimit.peek(*limit)):
        return _too_many(_("Too many registrations from your address. Please try again later."), retry)
    if form.validate_on_submit():
        user = User(email=form.email.data)
        user.set_username(form.username.data)
        user.set_password(form.password.data)
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            # Someone registered the same name or email between our check and our insert.
            db.session.rollback()
            form.username.errors.append(_("This username or email address was just taken. Please choose another."))
        else:
            ratelimit.hit(*limit)
            flash(_("Congratulations, you are now a registered user!"), "success")
            return redirect_after_post(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


def _login_limits(username: str) -> list[tuple[str, str, int, int]]:
    """Failed sign-ins are counted per account (as typed, any case) and per client address."""
    return [
        ("login-account", username_key(username), *ratelimit.limit_of("RATELIMIT_LOGIN_PER_ACCOUNT")),
        ("login-address", ratelimit.client_address(), *ratelimit.limit_of("RATELIMIT_LOGIN_PER_ADDRESS")),
    ]


def _too_many(message: str, retry_after: int):
    return error_response(429, message, {"Retry-After": str(retry_after)})


@bp.route("/change_password", methods=["GET", "POST"])
@login_required
def change_password():
    """The password form; on success (all other sessions signed out) a redirect to the profile."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # Wrong current passwords count as failed sign-ins: a borrowed session cannot guess on.
        limit = _login_limits(current_user.username)[0]
        if retry := ratelimit.peek(*limit):
            return _too_many(_("Too many failed sign-ins. Please wait a few minutes and try again."), retry)
        user = db.session.get(User, current_user.id)
        if user.check_password(form.current_password.data):
            # A new session token: every other browser and "remember me" cookie is signed out.
            user.set_password(form.password.data)
            db.session.commit()
            login_user(user)
            flash(_("Your password has been changed."), "success")
            return redirect_after_post(url_for("users.user", username=user.username))
        ratelimit.hit(*limit)
        form.current_password.errors.append(_("Your current password is not correct."))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out, then a redirect home."""
    # CSRFProtect has already checked the token: no other site can sign you out.
    if current_user.is_authenticated:
        # A new session token: a copy of this session's cookie (or a remember-me cookie) stops working.
        # This signs the account out on every device, which is the safe reading of "sign out".
        user = db.session.get(User, current_user.id)
        user.session_token = new_session_token()
        db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect_after_post(url_for("posts.index"))
