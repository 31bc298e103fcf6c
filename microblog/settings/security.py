"""Settings: two-factor sign-in (on, off) and deleting the account. Registered by settings/views.py."""

from __future__ import annotations

from flask import flash, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from .. import ratelimit
from ..auth import throttle, two_factor
from ..auth.two_factor import code_limits
from ..database import begin_write
from ..extensions import db
from ..htmx import redirect_after_post
from ..users.deletion import delete_account
from ..users.models import User
from .forms import DeleteAccountForm, DisableTwoFactorForm, EnableTwoFactorForm
from .sections import render_section

SETUP_SECRET = "totp_setup_secret"  # in the session while two-factor sign-in is being set up
NO_STORE = {"Cache-Control": "no-store"}


def _too_many(retry: int):
    return ratelimit.too_many(retry, _("Too many wrong codes. Please wait a few minutes and try again."))


def _section(status=None, **context):
    """The two-factor section: on (codes left, the form to turn it off) or off (the QR code to scan); 422
    after a submission that failed (htmx.render_form) unless `status` says otherwise."""
    user = current_user
    context.setdefault("enable_form", EnableTwoFactorForm(formdata=None))
    context.setdefault("disable_form", DisableTwoFactorForm(formdata=None))
    if user.two_factor:
        context.setdefault("codes_left", two_factor.recovery_codes_left(user.id))
    elif "codes" not in context:
        secret = session.get(SETUP_SECRET) or two_factor.new_secret()
        session[SETUP_SECRET] = secret
        context["setup"] = {
            "secret": secret,
            "qr": two_factor.qr_data_uri(two_factor.provisioning_uri(user.username, secret)),
        }
    response = render_section("two_factor", status, user=user, **context)
    response.headers.update(NO_STORE)  # the secret and the codes stay out of every cache
    return response


def show_two_factor():
    """The two-factor section."""
    return _section()


def enable_two_factor():
    """Confirm a code from the scanned secret: two-factor sign-in is on; the recovery codes, shown once."""
    form = EnableTwoFactorForm()
    secret = session.get(SETUP_SECRET)
    if current_user.two_factor or not secret:
        flash(_("Please scan the QR code again."), "info")
        return redirect_after_post(url_for("settings.two_factor"))
    if form.validate_on_submit():
        limits = code_limits(current_user.id)
        if retry := throttle.count_attempt(limits):
            return _too_many(retry)
        step = two_factor.matching_step(secret, form.code.data)
        if step is not None:
            throttle.take_back(limits)
            begin_write()
            codes = two_factor.enable(current_user.id, secret, step)
            session.pop(SETUP_SECRET, None)
            db.session.expire_all()
            return _section(200, codes=codes)  # a submission that worked: the codes, shown once
        form.code.errors.append(_("This code is not right. Check the time on your phone and try again."))
    return _section(enable_form=form)


def _second_factor_ok(user: User, code: str | None):
    """Count and check a code for `user` (locked for writing); None when good, else the error answer or ""."""
    limits = code_limits(user.id)
    if retry := throttle.count_attempt(limits):
        return _too_many(retry)
    begin_write()
    db.session.refresh(user)
    if not two_factor.use_code(user, code):
        return ""
    throttle.take_back(limits)
    return None


def _password_ok(user: User, password: str):
    limits = throttle.login_limits(user.username, user, per_account_only=True)
    if retry := throttle.count_attempt(limits):
        return ratelimit.too_many(retry, _("Too many failed sign-ins. Please wait a few minutes and try again."))
    if user.check_password(password):
        throttle.take_back(limits)
        return None
    return ""


def disable_two_factor():
    """Turn two-factor sign-in off (password and a code needed); back to the section."""
    form = DisableTwoFactorForm()
    user = db.session.get(User, current_user.id)
    if not user.two_factor:
        flash(_("Two-factor sign-in is off."), "info")
        return redirect_after_post(url_for("settings.two_factor"))
    if form.validate_on_submit():
        if (wrong := _password_ok(user, form.password.data)) is not None:
            if wrong:
                return wrong
            form.password.errors.append(_("Your current password is not correct."))
        elif (wrong := _second_factor_ok(user, form.code.data)) is not None:
            db.session.rollback()
            if wrong:
                return wrong
            form.code.errors.append(_("This code is not right, or it was used already."))
        else:
            two_factor.disable(user.id)
            flash(_("Two-factor sign-in is off."), "info")
            return redirect_after_post(url_for("settings.two_factor"))
    return _section(disable_form=form)


def delete():
    """The "are you sure?" form (password, and a code with two-factor); the POST deletes the account at
    once, signs out and goes home."""
    form = DeleteAccountForm()
    user = db.session.get(User, current_user.id)
    if form.validate_on_submit():
        if (wrong := _password_ok(user, form.password.data)) is not None:
            if wrong:
                return wrong
            form.password.errors.append(_("Your current password is not correct."))
        elif user.two_factor and (wrong := _second_factor_ok(user, form.code.data)) is not None:
            db.session.rollback()
            if wrong:
                return wrong
            form.code.errors.append(_("This code is not right, or it was used already."))
        else:
            delete_account(user.id)
            logout_user()
            session.clear()
            flash(_("Your account has been deleted. Goodbye!"), "info")
            response = redirect_after_post(url_for("posts.index"))
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
            return response
    return render_section("delete", form=form, user=user)
