"""The messages blueprint, its settings and template helpers, and the other person of a conversation: shared
by the list and thread views, the conversation-wide actions and the per-message ones."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from ..users.models import User
from ..users.views import get_user_or_404
from .actions import editable
from .models import REACTIONS

bp = Blueprint("messages", __name__)
bp.add_app_template_global(editable, "editable_message")
bp.add_app_template_global(REACTIONS, "reactions_offered")


@bp.record_once
def _defaults(state):
    state.app.config.setdefault("THREAD_POLL_SECONDS", 3)
    state.app.config.setdefault("LIST_POLL_SECONDS", 10)
    state.app.config.setdefault("LIST_REFRESH_SECONDS", 60)  # re-renders the list: its relative times stay true
    state.app.config.setdefault("THREAD_MESSAGES_PER_PAGE", 20)


def partner(username: str) -> User:
    """The other person of a conversation: 404 for nobody, 400 for yourself."""
    other = get_user_or_404(username, deleted_ok=True)  # a deleted account's messages stay readable
    if other.id == current_user.id:
        abort(400, description=_("You cannot send a private message to yourself."))
    return other
