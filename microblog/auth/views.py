"""Accounts: register, sign in, sign out (at the tutorial's /auth/... URLs)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..htmx import redirect_after_post
from ..users.models import User
from .forms import LoginForm, RegistrationForm
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
        user = User.by_username(form.username.data)
        if user is not None and user.check_password(form.password.data):
            login_user(user, remember=form.remember_me.data)
            return redirect_after_post(safe_next(request.args.get("next")) or url_for("posts.index"))
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
            flash(_("Congratulations, you are now a registered user!"), "success")
            return redirect_after_post(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out, then a redirect home."""
    # CSRFProtect has already checked the token: no other site can sign you out.
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect_after_post(url_for("posts.index"))
