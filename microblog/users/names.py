"""The one username rule: what a new name may be, how two names compare, and how a typed name is found.

Every place that takes a username asks here: the registration, profile and sign-in forms
(`users.forms.UsernameRule`), `User.set_username` and `User.by_username`, the routes with a name in their
URL (profiles, avatars, follows, blocks, conversations), mentions (`MENTION_RE`), search and sign-in limits
(`username_key`). See README, Security, "Usernames cannot impersonate".
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from ..forms import has_forbidden_characters

USERNAME_MAX = 64

# ASCII only, as GitHub and Mastodon do: no other script's lookalikes, full-width forms or direction changes
# can be registered, and the lower-cased key is never longer than the name (see README, Security).
USERNAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")

# `@name` where the name is a valid username not preceded by a word character (so e-mail addresses
# are not mentions). Same alphabet as USERNAME_RE; a trailing dot is punctuation, not part of the name.
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)")


def normalise(name: str | None) -> str:
    """A name as typed into a form, without the spaces around it."""
    return (name or "").strip()


def username_key(name: str) -> str:
    """The case-insensitive form under which usernames are unique, compared and looked up."""
    return name.casefold()


def text_error(name: str):
    """Why `name` cannot even be typed as a username (empty, too long, control or invisible characters),
    or None. Sign-in asks only this: accounts from before the ASCII rule keep their names."""
    if has_forbidden_characters(name):
        return _l("Please remove control characters from this text.")  # invisible ones too
    if not name:
        return _l("This field cannot be empty.")
    if len(name) > USERNAME_MAX:
        return _l("Please use at most %(max)d characters (you used %(n)d).", max=USERNAME_MAX, n=len(name))
    return None


def username_error(name: str, current: str | None = None):
    """Why `name` cannot be chosen as a username, or None (a translatable message). `current`, the name
    the user has now, may be kept exactly as it is, even when it predates the ASCII rule."""
    error = text_error(name)
    if error is None and name != current and USERNAME_RE.fullmatch(name) is None:
        error = _l("Use Latin letters (a-z), digits, dots, dashes and underscores, starting with a letter or digit.")
    return error


def lookup_key(name: str) -> str | None:
    """The key to look a typed name (a form field, a URL part) up under, or None when no account can have
    that name (empty, too long, control characters, a key longer than the column): such names simply
    match nobody, without a query."""
    if not name or len(name) > USERNAME_MAX or has_forbidden_characters(name):  # text_error(), without a message
        return None
    key = username_key(name)
    return key if len(key) <= USERNAME_MAX else None
