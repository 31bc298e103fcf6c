"""The post form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from ..forms import CleanText
from .models import BODY_MAX


class PostForm(FlaskForm):
    post = TextAreaField(_l("Say something"), validators=[CleanText(BODY_MAX, multiline=True)])
    submit = SubmitField(_l("Post"))


class EditPostForm(FlaskForm):
    post = TextAreaField(_l("Your post"), validators=[CleanText(BODY_MAX, multiline=True)])
    submit = SubmitField(_l("Save"))
