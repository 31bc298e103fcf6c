"""Accounts: register, sign in, sign out (at the tutorial's /auth/... URLs)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from .. import ratelimit
from . import second_step, throttle
from ..extensions import db
from ..htmx import redirect_after_post, render_form
from ..mail import MailError
from ..users.email import send_verification
from ..users.models import User, new_session_token, no_address
from .forms import ChangePasswordForm, LoginForm, RegistrationForm
from .login import new_csrf_token, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; on success, a redirect to `?next=` (same-site paths only) or home."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_username(form.username.data)
        # Counted before the password is checked: concurrent guesses cannot slip past the limit.
        limits = throttle.login_limits(form.username.data, user)
        if retry := throttle.count_attempt(limits):
            return ratelimit.too_many(retry, _("Too many failed sign-ins. Please wait a few minutes and try again."))
        if throttle.check_password(user, form.password.data):
            throttle.take_back(limits)
            if user.two_factor:  # not signed in yet: a code comes first (auth/second_step.py)
                second_step.begin(user, form.remember_me.data, safe_next(request.args.get("next")))
                return redirect_after_post(url_for("second_step.login_code"))
            login_user(user, remember=form.remember_me.data)
            new_csrf_token()
            response = redirect_after_post(safe_next(request.args.get("next")) or url_for("posts.index"))
            return throttle.remember_device(response, user)
        # One message for a wrong name or a wrong password: do not tell which accounts exist.
        form.password.errors.append(_("Invalid username or password."))
    return render_form("auth/login.html", form=form, next=safe_next(request.args.get("next")))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """The registration page; on success the new account is signed in and sent a verification link.

    An email address that is already registered gets the same answer as a new one: the account is made
    with that address waiting for verification (the address's owner gets a notice, not a link), so the
    form does not tell who has an account. Every attempt counts against the address's limit.
    """
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    form = RegistrationForm()
    if form.is_submitted():
        limit = ratelimit.Limit.configured("register", ratelimit.client_address(), "RATELIMIT_REGISTER_PER_ADDRESS")
        if retry := limit.hit():
            return ratelimit.too_many(retry, _("Too many registrations from your address. Please try again later."))
    if form.validate_on_submit():
        address = form.email.data
        user = User(email=no_address(), pending_email=address) if form.email_taken else User(email=address)
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
            login_user(user)
            new_csrf_token()
            flash(
                _(
                    "Welcome to Microblog! We have sent a link to %(email)s: open it to verify your address.",
                    email=address,
                ),
                "success",
            )
            try:
                send_verification(user, address)
            except MailError:
                flash(
                    _("We could not send the email just now. You can ask for a new link in your settings."), "warning"
                )
            return redirect_after_post(url_for("posts.index"))
    return render_form("auth/register.html", form=form)


@bp.route("/change_password", methods=["GET", "POST"])
@login_required
def change_password():
    """The password form; on success (all other sessions signed out) a redirect to the profile."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # Wrong current passwords count as failed sign-ins: a borrowed session cannot guess on.
        limits = throttle.login_limits(current_user.username, current_user, per_account_only=True)
        if retry := throttle.count_attempt(limits):
            return ratelimit.too_many(retry, _("Too many failed sign-ins. Please wait a few minutes and try again."))
        user = db.session.get(User, current_user.id)
        if user.check_password(form.current_password.data):
            throttle.take_back(limits)
            # A new session token: every other browser and "remember me" cookie is signed out.
            user.set_password(form.password.data)
            db.session.commit()
            login_user(user)
            flash(_("Your password has been changed."), "success")
            return redirect_after_post(url_for("users.user", username=user.username))
        form.current_password.errors.append(_("Your current password is not correct."))
    return render_form("auth/change_password.html", form=form)


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
    new_csrf_token()
    session.pop("verify_banner_dismissed", None)  # the next sign-in shows the banner again (verification.py)
    flash(_("You have signed out."), "info")
    response = redirect_after_post(url_for("posts.index"))
    # Nothing of the account stays readable in this browser: its caches and storage (htmx's history
    # snapshots live in sessionStorage) are cleared. Cookies are left alone: the flash rides in one.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
