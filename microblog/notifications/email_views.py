"""Email settings (at once / daily digest / never) and the one-click unsubscribe that works signed out."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..database import begin_write
from ..extensions import csrf, db
from ..htmx import is_htmx, redirect_after_post, render, render_form
from ..users.models import User
from .email_compose import preference, user_id_for
from .email_models import AT_ONCE, DAILY, NEVER, EmailPreference

bp = Blueprint("email", __name__)
log = logging.getLogger("microblog.email")


class EmailSettingsForm(FlaskForm):
    unread = RadioField(
        _l("Email me about unread messages"),
        choices=[
            SelectChoice(AT_ONCE, _l("At once (after a few minutes unread)")),
            SelectChoice(DAILY, _l("Once a day, a digest")),
            SelectChoice(NEVER, _l("Never")),
        ],
    )
    submit = SubmitField(_l("Save"))


def store(user_id: int, **values) -> None:
    """Write the user's email preference (one row, made on first change) and commit."""
    begin_write()
    row = db.session.get(EmailPreference, user_id, with_for_update=True)
    if row is None:
        row = EmailPreference(user_id=user_id, unread=AT_ONCE)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Email settings: how to hear about unread messages."""
    form = EmailSettingsForm()
    if form.validate_on_submit():
        store(current_user.id, unread=form.unread.data)
        flash(_("Your email settings have been saved."), "success")
        return redirect_after_post(url_for("email.settings"))
    if not form.is_submitted():
        form.unread.data = preference(current_user.id).unread
    return render_form("notifications/email_settings.html", "partials/notifications/email_settings.html", form=form)


def _user_for(token: str) -> User:
    user_id = user_id_for(token)
    if user_id is None:
        abort(
            400,
            description=_(
                "This unsubscribe link is not valid. Use the one in your latest email, or "
                "change your email settings after signing in."
            ),
        )
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description=_("This account no longer exists."))
    return user


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click (RFC 8058): the mail client POSTs with no session and no CSRF token
def unsubscribe(token):
    """Stop the emails about unread messages: GET asks, POST (a mail client's one click, or the page's
    button) does it, signed out too; the token is the proof."""
    if request.method == "POST":
        request.form  # noqa: B018 - the body is read first, as CSRF does elsewhere: too large is a 413
    user = _user_for(token)
    if request.method == "POST":
        store(user.id, unread=NEVER)
        return render(
            "notifications/unsubscribe.html", "partials/notifications/unsubscribe.html", done=True, token=token
        )
    return render("notifications/unsubscribe.html", "partials/notifications/unsubscribe.html", done=False, token=token)


def _remember_locale(response):
    """Store a signed-in user's language when it changes, for the emails a job writes (no browser there)."""
    user = getattr(g, "_login_user", None)  # only where the page loaded the user anyway: no query of our own
    if request.method != "GET" or is_htmx() or response.status_code != 200 or user is None or not user.is_authenticated:
        return response
    locale = str(get_locale() or "en")
    if session.get("email_locale", "en") == locale:  # English is the default: nothing stored until another
        return response
    if db.session.new or db.session.dirty or db.session.deleted:  # a view's unfinished write: not ours to commit
        return response
    try:
        store(user.id, locale=locale)
    except SQLAlchemyError:  # the page is made already: it must not become an error for this
        db.session.rollback()
        log.warning("could not store user %s's locale for emails", user.id, exc_info=True)
        return response
    session["email_locale"] = locale
    return response


def init_app(app) -> None:
    app.after_request(_remember_locale)
