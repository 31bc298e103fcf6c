"""The user a URL names, for any view: profiles, follows and blocks, conversations."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from .models import User
from .names import lookup_key


def get_user_or_404(username: str, deleted_ok: bool = False) -> User:
    """The user with this name (any case) from a URL; 404 for a name nobody has or could have, and for a
    deleted account unless `deleted_ok` (a conversation with one stays readable)."""
    key = lookup_key(username)
    if key is None:
        abort(404, description=_("There is no user with that name."))
    if current_user.is_authenticated and key == current_user.username_key:
        return current_user._get_current_object()  # your own profile: already loaded with the request
    user = User.by_username(username)
    if user is None or (user.is_deleted and not deleted_ok):
        abort(404, description=_("There is no user with that name."))
    return user
