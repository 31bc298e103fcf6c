"""The profile, privacy and email forms, and the username field's validator every form with a username uses."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, StopValidation, ValidationError

from ..extensions import db
from ..forms import CleanText
from . import names
from .models import ABOUT_ME_MAX, EMAIL_MAX, ReservedName, User


class UsernameRule:
    """Strip the field, then apply the username rule (users/names.py).

    `chosen=True` (registration, profile): the whole rule, then the name must be free in any case; a form
    with an `original_username` lets its user keep that name as it is. `chosen=False` (sign-in): only what
    any typed name must be. Raises StopValidation: no later validator sees a refused name.
    """

    field_flags = {"required": True}

    def __init__(self, chosen: bool = True):
        self.chosen = chosen

    def __call__(self, form, field):
        field.data = names.normalise(field.data)
        current = getattr(form, "original_username", None)
        error = names.username_error(field.data, current) if self.chosen else names.text_error(field.data)
        if error is not None:
            raise StopValidation(error)
        if self.chosen and not _is_mine(field.data, current) and is_taken(field.data):
            raise ValidationError(_l("This username is taken. Please choose another one."))


def is_taken(name: str) -> bool:
    """Whether an account has the name (deleted ones keep theirs) or it is reserved for someone else
    (a renamed user's old name; its holder may take it back)."""
    key = names.username_key(name)
    if db.session.scalar(sa.select(User.id).where(User.username_key == key)) is not None:
        return True
    holder = db.session.scalar(sa.select(ReservedName.user_id).where(ReservedName.username_key == key))
    return holder is not None and not (current_user.is_authenticated and holder == current_user.id)


def _is_mine(name: str, current: str | None) -> bool:
    return current is not None and names.username_key(name) == names.username_key(current)


class ProfileForm(FlaskForm):
    username = StringField(_l("Username"), validators=[UsernameRule()])
    about_me = TextAreaField(_l("About me"), validators=[CleanText(ABOUT_ME_MAX, min_length=0, multiline=True)])
    submit = SubmitField(_l("Save"))

    def __init__(self, original_username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original_username = original_username


class PrivacyForm(FlaskForm):
    message_policy = RadioField(
        _l("Who may message you"),
        default="everyone",
        choices=[
            SelectChoice("everyone", _l("Everyone")),
            SelectChoice("following", _l("People I follow")),
            SelectChoice("nobody", _l("Nobody")),
        ],
    )
    read_receipts = BooleanField(_l("Send read receipts (people see when you have read their messages)"))
    submit = SubmitField(_l("Save"))


class EmailForm(FlaskForm):
    email = StringField(_l("New email address"), validators=[CleanText(EMAIL_MAX), Email(check_deliverability=False)])
    # Its own id: the password form sits on the same page (/settings/account), and ids are unique.
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)], id="email-password")
    submit = SubmitField(_l("Change email address"))

    def validate_email(self, field):
        field.data = field.data.lower()
        if len(field.data) > EMAIL_MAX:  # lower-casing can lengthen Unicode text
            raise ValidationError(
                _l("Please use at most %(max)d characters (you used %(n)d).", max=EMAIL_MAX, n=len(field.data))
            )
