"""Settings: profile, privacy, email and password, blocked people (two-factor and deletion: security.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from .. import ratelimit
from ..auth import throttle
from ..auth.forms import ChangePasswordForm
from ..extensions import db
from ..forms import EmptyForm
from ..errors import error_response
from ..htmx import redirect_after_post
from ..mail import MailError, may_email
from ..users import email as addresses
from ..users.account import save_privacy, save_profile
from ..users.forms import EmailForm, PrivacyForm, ProfileForm
from ..users.models import User
from ..users.relations import blocked_users
from . import security
from .sections import render_section

bp = Blueprint("settings", __name__)
bp.before_request(login_required(lambda: None))  # every section is the signed-in user's


@bp.get("/")
def index():
    """The settings area opens on the profile section."""
    return redirect(url_for("settings.profile"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """The name and about-me form; saved, a redirect to the profile as others see it."""
    form = ProfileForm(current_user.username)
    if form.validate_on_submit():
        try:
            save_profile(current_user.id, form.username.data, form.about_me.data or None)
        except IntegrityError:  # someone took the name between the check and the write
            db.session.rollback()
            form.username.errors.append(_("This username is taken. Please choose another one."))
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect_after_post(url_for("users.user", username=form.username.data))
    elif not form.is_submitted():
        form.username.data, form.about_me.data = current_user.username, current_user.about_me
    return render_section("profile", form=form)


@bp.route("/privacy", methods=["GET", "POST"])
def privacy():
    """Who may message me, and read receipts; saved, a redirect back to it."""
    form = PrivacyForm()
    if form.validate_on_submit():
        save_privacy(current_user.id, form.message_policy.data, bool(form.read_receipts.data))
        flash(_("Your changes have been saved."), "success")
        return redirect_after_post(url_for("settings.privacy"))
    if not form.is_submitted():
        form.message_policy.data, form.read_receipts.data = current_user.message_policy, current_user.read_receipts
    return render_section("privacy", form=form)


def _account(email_form=None):
    """The account section: 200 when shown, 422 with the email form's errors after a failed POST."""
    return render_section(
        "account",
        user=current_user,
        email_form=email_form or EmailForm(formdata=None),
        password_form=ChangePasswordForm(formdata=None),
        resend_form=EmptyForm(formdata=None),
    )


@bp.get("/account")
def account():
    """The email address (verified or waiting), the email form and the password form."""
    return _account()


@bp.post("/email")
def change_email():
    """Ask for a new address (password needed): a link goes to it, a notice to the old one."""
    form = EmailForm()
    if not form.validate_on_submit():
        return _account(form)
    limits = throttle.login_limits(current_user.username, current_user, per_account_only=True)
    if retry := throttle.count_attempt(limits):  # a borrowed session cannot guess the password on
        return ratelimit.too_many(retry, _("Too many failed sign-ins. Please wait a few minutes and try again."))
    user = db.session.get(User, current_user.id)
    if not user.check_password(form.password.data):
        form.password.errors.append(_("Your current password is not correct."))
        return _account(form)
    throttle.take_back(limits)
    address = form.email.data
    if address == user.email and user.email_verified:
        flash(_("This is your address already."), "info")
        return redirect_after_post(url_for("settings.account"))
    # The address on file hears of it, if verified: an unverified one gets nothing but verification and resets.
    old = user.email if may_email(user) and address != user.email else None
    addresses.request_change(user, address)
    try:
        addresses.send_verification(user, address)
        if old is not None:
            addresses.tell_old_address(user, old, address)
    except MailError:
        return error_response(503, _("We could not send the email just now. Please try again in a few minutes."))
    flash(
        _(
            "We have sent a link to %(email)s: open it to verify the address. Until then your address stays as it is.",
            email=address,
        ),
        "info",
    )
    return redirect_after_post(url_for("settings.account"))


@bp.get("/blocked")
def blocked():
    """The people I block, each with an Unblock button."""
    return render_section("blocked", blocked=blocked_users(current_user.id), block_form=EmptyForm(formdata=None))


bp.add_url_rule("/two-factor", "two_factor", view_func=security.show_two_factor, methods=["GET"])
bp.add_url_rule("/two-factor/enable", view_func=security.enable_two_factor, methods=["POST"])
bp.add_url_rule("/two-factor/disable", view_func=security.disable_two_factor, methods=["POST"])
bp.add_url_rule("/delete", view_func=security.delete, methods=["GET", "POST"])
