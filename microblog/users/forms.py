"""The profile form, and the username field's validator every form with a username uses."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from ..extensions import db
from ..forms import CleanText
from . import names
from .models import ABOUT_ME_MAX, User


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
        if self.chosen and not _is_mine(field.data, current) and db.session.scalar(
            sa.select(User.id).where(User.username_key == names.username_key(field.data))
        ):
            raise ValidationError(_l("This username is taken. Please choose another one."))


def _is_mine(name: str, current: str | None) -> bool:
    return current is not None and names.username_key(name) == names.username_key(current)


class EditProfileForm(FlaskForm):
    username = StringField(_l("Username"), validators=[UsernameRule()])
    about_me = TextAreaField(_l("About me"), validators=[CleanText(ABOUT_ME_MAX, min_length=0, multiline=True)])
    message_policy = RadioField(_l("Who may message you"), default="everyone",
                                choices=[SelectChoice("everyone", _l("Everyone")),
                                         SelectChoice("following", _l("People I follow")),
                                         SelectChoice("nobody", _l("Nobody"))])
    read_receipts = BooleanField(_l("Send read receipts (off: you neither send nor see \"Seen\")"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, original_username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original_username = original_username
