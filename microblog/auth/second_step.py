"""Sign-in's second step for accounts with two-factor sign-in: a code after the password (SPEC S19).

After the right password the session holds only a *pending* sign-in (the account, its session token and
the time); nobody is signed in until a good code comes, so every page still treats the browser as signed
out. A pending sign-in lasts PENDING_MAX_AGE seconds and ends with the account's session token (a
password reset or a sign-out everywhere). Attempts count per account and per address, as sign-in's do.
"""

from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from .. import ratelimit
from ..database import begin_write
from ..extensions import db
from ..htmx import redirect_after_post, render_form
from ..users.models import User
from . import throttle, two_factor
from .login import new_csrf_token

bp = Blueprint("second_step", __name__)

PENDING = "pending_sign_in"
PENDING_MAX_AGE = 5 * 60


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=two_factor.CODE_MAX)],
    )
    submit = SubmitField(_l("Verify"))


def begin(user: User, remember: bool, next_url: str | None) -> None:
    """Remember, in the session only, that `user` gave the right password (called by the sign-in view)."""
    session[PENDING] = {
        "id": user.id,
        "token": user.session_token,
        "remember": bool(remember),
        "next": next_url,
        "at": int(time.time()),
    }


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    user = db.session.get(User, pending.get("id"))
    if user is None or user.session_token != pending.get("token") or not user.two_factor:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The code form of a pending sign-in; a good code signs in and redirects like sign-in does."""
    if current_user.is_authenticated:
        return redirect(url_for("posts.index"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "info")
        return redirect_after_post(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        limits = two_factor.code_limits(user.id)
        if retry := throttle.count_attempt(limits):
            return ratelimit.too_many(retry, _("Too many wrong codes. Please wait a few minutes and try again."))
        begin_write()  # SQLite: the write lock before reading the last used step
        user = db.session.get(User, user.id)
        db.session.refresh(user)
        if two_factor.use_code(user, form.code.data):
            db.session.commit()
            throttle.take_back(limits)
            pending = session.pop(PENDING)
            login_user(user, remember=pending["remember"])
            new_csrf_token()  # for the signed-in session
            response = redirect_after_post(pending.get("next") or url_for("posts.index"))
            return throttle.remember_device(response, user)
        db.session.rollback()
        form.code.errors.append(_("This code is not right, or it was used already."))
    return render_form("auth/login_code.html", form=form, headers={"Cache-Control": "no-store"})
