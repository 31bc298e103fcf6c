"""The private message form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from ..forms import CleanText
from .models import BODY_MAX


class MessageForm(FlaskForm):
    message = TextAreaField(_l("Message"), validators=[CleanText(BODY_MAX, multiline=True)])
    submit = SubmitField(_l("Send"))


class EditForm(FlaskForm):
    message = TextAreaField(_l("Message"), validators=[CleanText(BODY_MAX, multiline=True)])
    submit = SubmitField(_l("Save"))
