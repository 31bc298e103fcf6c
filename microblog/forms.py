"""Form pieces every feature shares: a CSRF-only form and a validator for user-written text."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import StopValidation

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
# Invisible format characters (category Cf) that real text needs: zero-width non-joiner and joiner (Persian,
# Indic scripts, emoji sequences) and the tag characters of flag emoji. Every other Cf character is refused:
# direction overrides and isolates (U+202A-202E, U+2066-2069) turn "gnp.exe" around, and zero-width spaces,
# word joiners or soft hyphens only make two texts look alike.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


def _allowed_format(ch: str) -> bool:
    return ch in _ALLOWED_FORMAT or "\U000e0020" <= ch <= "\U000e007f"


def has_forbidden_characters(text: str, multiline: bool = False) -> bool:
    """True for NUL and other control characters, lone surrogates, non-characters, direction overrides
    and invisible format characters."""
    for ch in text:
        if multiline and ch in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co", "Cn"):
            return True
        if category == "Cf" and not _allowed_format(ch):
            return True
    return False


class CleanText:
    """Strip the field, then require 1..max characters with no control characters.

    Raises StopValidation: no later validator (e.g. a uniqueness query) ever sees bad text.
    """

    def __init__(self, max_length: int, min_length: int = 1, multiline: bool = False):
        self.max_length = max_length
        self.min_length = min_length
        self.multiline = multiline
        self.field_flags = {"required": True} if min_length else {}

    def __call__(self, form, field):
        value = (field.data or "").strip()
        field.data = value
        if has_forbidden_characters(value, self.multiline):
            raise StopValidation(_l("Please remove control characters from this text."))  # invisible ones too
        if len(value) < self.min_length:
            raise StopValidation(_l("This field cannot be empty."))
        if len(value) > self.max_length:
            raise StopValidation(
                _l("Please use at most %(max)d characters (you used %(n)d).", max=self.max_length, n=len(value))
            )


class Mailable:
    """An email address our mailer can encode (microblog.mail.can_send_to): refused at registration and
    wherever an address is typed, rather than failing at every email afterwards."""

    def __call__(self, form, field):
        from .mail import can_send_to

        if field.data and not can_send_to(field.data):
            raise StopValidation(_l("We cannot send email to this address. Please use another one."))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token and a button (follow, unfollow, sign out)."""

    submit = SubmitField(_l("Submit"))
