"""Form pieces every feature shares: a CSRF-only form and a validator for user-written text."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import StopValidation

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}
# Invisible format characters (category Cf) that real text needs: zero-width non-joiner and joiner (Persian,
# Indic scripts, emoji sequences), and tag characters inside a flag emoji's tag sequence only. Every other
# Cf character is refused:
# direction overrides and isolates (U+202A-202E, U+2066-2069) turn "gnp.exe" around, and zero-width spaces,
# word joiners or soft hyphens only make two texts look alike.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}
# Letters and symbols that render as nothing, so a "post" of them looks empty or hides what follows
# (SPEC S22): Hangul fillers, the blank Braille pattern, the combining grapheme joiner, the line and
# paragraph separators (we keep text's own line breaks, \n), the object replacement character.
BLANK_LOOKING = {"\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\u034f", "\u2028", "\u2029", "\ufffc"}
MAX_COMBINING_RUN = 8  # combining marks on one letter: scripts need a few, "Zalgo" text stacks hundreds
_BLACK_FLAG, _CANCEL_TAG = "\U0001f3f4", "\U000e007f"


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007e"


def _tag_sequence_end(text: str, start: int) -> int | None:
    """Where the emoji tag sequence that starts with the black flag at `start` ends (after its cancel tag),
    or None when there is no well-formed one (U+1F3F4, tag letters, U+E007F: subdivision flags)."""
    end = start + 1
    while end < len(text) and _is_tag(text[end]):
        end += 1
    if end > start + 1 and end < len(text) and text[end] == _CANCEL_TAG:
        return end + 1
    return None


def has_forbidden_characters(text: str, multiline: bool = False) -> bool:
    """True for NUL and other control characters, lone surrogates, non-characters, direction overrides,
    invisible format characters, blank-looking letters, tag characters outside an emoji tag sequence and
    long runs of combining marks."""
    index, combining = 0, 0
    while index < len(text):
        ch = text[index]
        if ch == _BLACK_FLAG and (end := _tag_sequence_end(text, index)) is not None:
            index, combining = end, 0
            continue
        index += 1
        if multiline and ch in _ALLOWED_CONTROLS:
            combining = 0
            continue
        category = unicodedata.category(ch)
        combining = combining + 1 if category in ("Mn", "Me") else 0
        if combining > MAX_COMBINING_RUN or ch in BLANK_LOOKING or _is_tag(ch) or ch == _CANCEL_TAG:
            return True
        if category in ("Cc", "Cs", "Co", "Cn"):
            return True
        if category == "Cf" and ch not in _ALLOWED_FORMAT:
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
