"""The forms of the two-factor and delete-account sections."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..auth.forms import PASSWORD_MAX
from ..auth.two_factor import CODE_MAX


def _code_field(required: bool = True) -> StringField:
    return StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired() if required else Optional(), Length(max=CODE_MAX)],
    )


class EnableTwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=CODE_MAX)])
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    code = _code_field()
    submit = SubmitField(_l("Turn off two-factor sign-in"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    code = _code_field(required=False)  # required by the view when two-factor sign-in is on
    submit = SubmitField(_l("Delete my account"))
