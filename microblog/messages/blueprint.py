"""The messages blueprint, its settings and template helpers, and the other person of a conversation: shared
by the list and thread views, the conversation-wide actions and the per-message ones."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from ..users.models import User
from ..users.lookup import get_user_or_404

bp = Blueprint("messages", __name__)


def partner(username: str) -> User:
    """The other person of a conversation: 404 for nobody, 400 for yourself."""
    other = get_user_or_404(username, deleted_ok=True)  # a deleted account's messages stay readable
    if other.id == current_user.id:
        abort(400, description=_("You cannot send a private message to yourself."))
    return other
