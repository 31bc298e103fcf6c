"""Verifying an email address: the link's page, sending a new link, and dismissing the banner (SPEC S19)."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..errors import error_response
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import redirect_after_post
from ..mail import MailError
from ..users import email as addresses
from ..users.models import User
from .login import safe_next

bp = Blueprint("verification", __name__)

BANNER_DISMISSED = "verify_banner_dismissed"  # in the session: the banner stays away until sign-out


def _invalid():
    return error_response(
        400,
        _("This verification link is invalid, already used or expired. You can ask for a new one in your settings."),
    )


@bp.route("/verify_email/<token>", methods=["GET", "POST"])
def verify_email(token):
    """A valid link's page with a Verify button (mail scanners that open links verify nothing); the POST
    verifies and redirects; a wrong, used or expired link gets a 400 page."""
    parsed = addresses.read_token(token)
    user = db.session.get(User, parsed[0]) if parsed else None
    if user is None or parsed[1] != addresses.waiting_address(user):
        return _invalid()
    form = EmptyForm()
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if form.validate_on_submit():
        outcome = addresses.verify(*parsed)
        if outcome == "taken":
            return error_response(409, _("Another account has verified this address in the meantime."))
        if outcome != "ok":
            return _invalid()
        flash(_("Your email address %(email)s is verified. Thank you!", email=parsed[1]), "success")
        signed_in = current_user.is_authenticated and current_user.id == parsed[0]
        return redirect_after_post(url_for("settings.account") if signed_in else url_for("auth.login"))
    return render_template("auth/verify_email.html", form=form, token=token, address=parsed[1]), 200, headers


@bp.post("/verify_email/resend")
@login_required
def resend():
    """Send a new verification link (a few an hour); back to the page the form was on."""
    back = safe_next(request.form.get("next")) or url_for("settings.account")
    user = db.session.get(User, current_user.id)
    address = addresses.waiting_address(user)
    if address is None:
        flash(_("Your email address is verified already."), "info")
        return redirect_after_post(back)
    limit = ratelimit.Limit.configured("verify-email", str(user.id), "RATELIMIT_VERIFY_EMAIL_PER_USER")
    if retry := limit.hit():
        return ratelimit.too_many(retry, _("You asked for several links already. Please try again later."))
    try:
        addresses.send_verification(user, address)
    except MailError:
        return error_response(503, _("We could not send the email just now. Please try again in a few minutes."))
    flash(_("We have sent a new link to %(email)s.", email=address), "info")
    return redirect_after_post(back)


@bp.post("/verify_email/dismiss")
@login_required
def dismiss():
    """Hide the "please verify" banner for this session; back to the page it was on."""
    session[BANNER_DISMISSED] = True
    return redirect_after_post(safe_next(request.form.get("next")) or url_for("posts.index"))
