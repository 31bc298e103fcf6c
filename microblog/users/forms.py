"""The profile form."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..extensions import db
from ..forms import CleanText
from .models import ABOUT_ME_MAX, USERNAME_MAX, User, username_key


class EditProfileForm(FlaskForm):
    username = StringField(_l("Username"), validators=[CleanText(USERNAME_MAX)])
    about_me = TextAreaField(_l("About me"), validators=[CleanText(ABOUT_ME_MAX, min_length=0, multiline=True)])
    message_policy = RadioField(_l("Who may message you"), default="everyone",
                                choices=[SelectChoice("everyone", _l("Everyone")),
                                         SelectChoice("following", _l("People I follow")),
                                         SelectChoice("nobody", _l("Nobody"))])
    submit = SubmitField(_l("Save"))

    def __init__(self, original_username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original_username = original_username

    def validate_username(self, field):
        from ..auth.forms import validate_username_text

        if field.data != self.original_username:  # a name from before the ASCII rule may be kept as it is
            validate_username_text(field)
        key = username_key(field.data)
        if key != username_key(self.original_username) and db.session.scalar(
            sa.select(User.id).where(User.username_key == key)
        ):
            raise ValidationError(_l("This username is taken. Please choose another one."))
