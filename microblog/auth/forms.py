"""Sign-in and registration forms (field names as in the tutorial)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..extensions import db
from ..forms import CleanText, Mailable
from ..users.forms import UsernameRule
from ..users.models import EMAIL_MAX, User

PASSWORD_MIN, PASSWORD_MAX = 8, 128


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[UsernameRule(chosen=False)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember_me = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Sign in"))


def new_password_field(label) -> PasswordField:
    """A new password, under the one length policy of registration and password change."""
    return PasswordField(label, validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)])


def repeat_password_field(label) -> PasswordField:
    """The new password typed again; must equal the form's `password` field."""
    return PasswordField(
        label, validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))]
    )


class RegistrationForm(FlaskForm):
    username = StringField(_l("Username"), validators=[UsernameRule()])
    email = StringField(_l("Email"), validators=[CleanText(EMAIL_MAX), Email(check_deliverability=False), Mailable()])
    password = new_password_field(_l("Password"))
    password2 = repeat_password_field(_l("Repeat password"))
    submit = SubmitField(_l("Register"))

    # True when the email is registered already: the view then answers as for a new one, storing nothing.
    email_taken = False

    def validate_email(self, field):
        field.data = field.data.lower()
        if len(field.data) > EMAIL_MAX:  # lower-casing can lengthen Unicode text ("İ" becomes two characters)
            raise ValidationError(
                _l("Please use at most %(max)d characters (you used %(n)d).", max=EMAIL_MAX, n=len(field.data))
            )
        self.email_taken = db.session.scalar(sa.select(User.id).where(User.email == field.data)) is not None


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    password = new_password_field(_l("New password"))
    password2 = repeat_password_field(_l("Repeat new password"))
    submit = SubmitField(_l("Change password"))
