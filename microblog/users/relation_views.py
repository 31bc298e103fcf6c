"""Follow, unfollow, block, unblock: load -> act (users/relations.py) -> answer; and the follow controls."""

from __future__ import annotations

import functools

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..forms import EmptyForm
from ..htmx import after_post
from . import relations
from .blueprint import bp
from .lookup import get_user_or_404
from .models import User
from .names import lookup_key


def follow_context(user: User, in_card: bool = False, known: tuple | None = None) -> dict:
    """The follow controls' context; `known`: (follow summary, relation) read already (`relations.someone`)."""
    viewer_id = current_user.id if current_user.is_authenticated else None
    summary, rel = known if known is not None else (relations.follow_summary(user, viewer_id), None)
    n_followers, n_following, is_following = summary
    privacy = {}
    if viewer_id is not None and viewer_id != user.id:
        rel = rel if rel is not None else relations.relation(viewer_id, user.id)
        # Blocks hide both ways (README "Activity and privacy"): no posts, about-me or follow button.
        privacy = {
            "i_block": rel[0],
            "blocks_me": rel[1],
            "refused": None if in_card else relations.refusal(current_user, user, rel),
        }
    return {
        **privacy,
        "user": user,
        "n_followers": n_followers,
        "n_following": n_following,
        "is_following": is_following,
        "form": EmptyForm(),
        "in_card": in_card,
    }


def profile_context(username: str, in_card: bool = False) -> dict:
    """`follow_context` of the user a URL names: someone else's read with the user (`relations.someone`);
    yourself, a deleted account or nobody through `get_user_or_404` (its answers, 404s included)."""
    key = lookup_key(username)
    if key is not None and current_user.is_authenticated and key != current_user.username_key:
        found = relations.someone(current_user.id, key)
        if found is not None and not found[0].is_deleted:
            return follow_context(found[0], in_card, known=found[1:])
    return follow_context(get_user_or_404(username), in_card)


def on_other_user(refuse_self):
    """For the POST views that change how you stand with another user (follow, unfollow, block, unblock):
    the view is called with the User named in the URL; 404 for a name nobody has, 400 (`refuse_self`,
    a lazy string) for yourself."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(username):
            user = get_user_or_404(username)
            if user.id == current_user.id:
                abort(400, description=str(refuse_self))
            return view(user)

        return wrapper

    return decorate


def relation_answer(user: User, partial: str, context, message: str, category: str):
    """What those views answer: for htmx the changed controls (`partial` rendered from `context()`)
    swapped in place; otherwise the profile, with `message` flashed."""
    url = url_for("users.user", username=user.username)
    return after_post(url, partial, flashed=(message, category), load=context)


def _follow_answer(user: User, message: str, category: str):
    """The follow controls swapped in place (htmx); the profile with a flash otherwise."""
    # The form in a hover card says so: its answer has no ids (the profile may show the same controls).
    in_card = request.form.get("in_card") == "1"
    return relation_answer(user, "partials/users/follow.html", lambda: follow_context(user, in_card), message, category)


@bp.post("/follow/<username>")
@login_required
@on_other_user(_l("You cannot follow yourself."))
def follow(user: User):
    """Follow a user; the follow controls (htmx) or the profile."""
    try:
        relations.follow(current_user, user)
    except relations.Blocked:
        abort(403, description=_("You can't follow this user."))
    return _follow_answer(user, _("You are following %(username)s.", username=user.username), "success")


@bp.post("/unfollow/<username>")
@login_required
@on_other_user(_l("You cannot unfollow yourself."))
def unfollow(user: User):
    """Stop following a user; the follow controls (htmx) or the profile."""
    relations.unfollow(current_user, user)
    return _follow_answer(user, _("You are not following %(username)s.", username=user.username), "info")


def _block_answer(user: User, message: str):
    """The block control swapped in place (htmx), or the profile with a flash."""
    return relation_answer(
        user,
        "partials/users/block.html",
        lambda: {"user": user, "i_block": relations.blocks(current_user.id, user.id), "block_form": EmptyForm()},
        message,
        "success",
    )


@bp.post("/block/<username>")
@login_required
@on_other_user(_l("You cannot block yourself."))
def block(user: User):
    """Block a user: they cannot message, follow or mention-notify you; their follow of you ends."""
    relations.block(current_user, user)
    return _block_answer(user, _("You blocked %(username)s.", username=user.username))


@bp.post("/unblock/<username>")
@login_required
@on_other_user(_l("You cannot block yourself."))
def unblock(user: User):
    """Unblock a user (a no-op when not blocked)."""
    relations.unblock(current_user, user)
    return _block_answer(user, _("You unblocked %(username)s.", username=user.username))
