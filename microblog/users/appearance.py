"""Appearance: the colour scheme pages are drawn in (light, dark, or the system's), a setting of the user.

The server renders it as `data-bs-theme` on <html> (templates/base.html); "system" renders none, and the
derived stylesheet `vendor/bootstrap-5.3.8-dark-system.css` follows `prefers-color-scheme` with CSS only.
"""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..database import begin_write
from ..extensions import db
from ..htmx import redirect_after_post, render_form
from .models import User

bp = Blueprint("appearance", __name__)

THEMES = ("system", "light", "dark")


class AppearanceForm(FlaskForm):
    theme = RadioField(
        _l("Colours"),
        choices=[
            SelectChoice("system", _l("As on this device (light or dark)")),
            SelectChoice("light", _l("Light")),
            SelectChoice("dark", _l("Dark")),
        ],
        validators=[InputRequired(_l("Choose light, dark or as on this device."))],
    )
    submit = SubmitField(_l("Save"))


def theme() -> str:
    """The reader's colour scheme: their setting, or "system" for signed-out visitors."""
    chosen = getattr(current_user, "theme", None) if current_user.is_authenticated else None
    return chosen if chosen in THEMES else "system"


@bp.route("/appearance", methods=["GET", "POST"])
@login_required
def appearance():
    """The colour scheme setting; on success back here, drawn in the new scheme."""
    form = AppearanceForm()
    if form.validate_on_submit():
        begin_write()  # SQLite: the write lock before reading the row we change
        user = db.session.get(User, current_user.id)
        user.theme = form.theme.data
        db.session.commit()
        flash(_("Your appearance setting has been saved."), "success")
        return redirect_after_post(url_for("appearance.appearance"))
    if not form.is_submitted():
        form.theme.data = theme()
    return render_form("users/appearance.html", form=form)
