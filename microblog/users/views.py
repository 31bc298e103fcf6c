"""Profiles, the profile form, follow/unfollow (and the shape block/unblock share) and avatars."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..activity.events import notify_follow
from ..activity.models import blocks
from ..activity.privacy import refusal, relation
from ..database import begin_write
from ..extensions import db
from ..unread import lock_user
from ..forms import EmptyForm
from ..htmx import fragment, is_htmx, redirect_after_post, render, wants_fragment
from ..pagination import paginate
from ..posts.models import Post
from .avatar import avatar_svg
from .models import User
from .names import lookup_key, text_error, username_key

bp = Blueprint("users", __name__)

AVATAR_SIZES = range(16, 257)


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


def follow_context(user: User, in_card: bool = False) -> dict:
    viewer_id = current_user.id if current_user.is_authenticated else None
    n_followers, n_following, is_following = user.follow_summary(viewer_id)
    privacy = {}
    if viewer_id is not None and viewer_id != user.id:
        rel = relation(viewer_id, user.id)
        # Blocks hide both ways (README "Activity and privacy"): no posts, about-me or follow button.
        privacy = {
            "i_block": rel[0],
            "blocks_me": rel[1],
            "refused": None if in_card else refusal(current_user, user, rel),
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


@bp.get("/user/<username>")
@login_required
def user(username):
    """A profile with the user's posts; the post list alone for htmx paging."""
    user = get_user_or_404(username)
    context = follow_context(user)
    posts = Post.by_user(user)
    if context.get("i_block") or context.get("blocks_me"):
        posts = posts.where(sa.false())  # blocks hide posts both ways
    page = paginate(posts, current_app.config["POSTS_PER_PAGE"])
    return render(
        "users/user.html",
        "partials/posts/list.html",
        posts=page,
        endpoint="users.user",
        endpoint_args={"username": user.username},
        **context,
    )


@bp.get("/user/<username>/popup")
@login_required
def popup(username):
    """The user's hover card (avatar, about me, last seen, counts, follow button): a fragment for htmx,
    the profile page otherwise."""
    user = get_user_or_404(username)
    if not wants_fragment():
        return redirect(url_for("users.user", username=user.username))
    return fragment("partials/users/popup.html", **follow_context(user, in_card=True))


@bp.route("/edit_profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """The tutorial's profile form now lives in the settings: a redirect there (307 keeps a POST a POST)."""
    return redirect(url_for("settings.profile"), 302 if request.method == "GET" else 307)


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


def relation_answer(user: User, in_place: bool, partial: str, context, message: str, category: str):
    """What those views answer: when `in_place`, the changed controls (`partial` rendered from `context()`)
    swapped in place; otherwise the profile, with `message` flashed."""
    if in_place:
        return fragment(partial, **context())
    flash(message, category)
    return redirect_after_post(url_for("users.user", username=user.username))


def _follow_answer(user: User, message: str, category: str):
    """The follow controls for any htmx request; the profile with a flash otherwise."""
    # The form in a hover card says so: its answer has no ids (the profile may show the same controls).
    in_card = request.form.get("in_card") == "1"
    return relation_answer(
        user, is_htmx(), "partials/users/follow.html", lambda: follow_context(user, in_card), message, category
    )


@bp.post("/follow/<username>")
@login_required
@on_other_user(_l("You cannot follow yourself."))
def follow(user: User):
    """Follow a user; the follow controls (htmx) or the profile."""
    lock_user(user.id)  # their activity count: concurrent follows are counted exactly (and a block waits)
    if blocks(user.id, current_user.id):  # read under the lock that blocking takes too
        db.session.rollback()
        abort(403, description=_("You can't follow this user."))
    try:
        if current_user.follow(user):
            notify_follow(current_user, user)
        db.session.commit()
    except IntegrityError:  # a double click raced itself: already following
        db.session.rollback()
    return _follow_answer(user, _("You are following %(username)s.", username=user.username), "success")


@bp.post("/unfollow/<username>")
@login_required
@on_other_user(_l("You cannot unfollow yourself."))
def unfollow(user: User):
    """Stop following a user; the follow controls (htmx) or the profile."""
    begin_write()  # SQLite: take the write lock up front (a read transaction cannot always upgrade)
    if current_user.unfollow(user):
        db.session.commit()
    return _follow_answer(user, _("You are not following %(username)s.", username=user.username), "info")


@bp.get("/avatar/<username>.svg")
def avatar(username):
    """The avatar (SVG) drawn from the name, cacheable for a day.

    Any name gets one, account or not (no database lookup): avatars must not tell who has an account.
    """
    size = request.args.get("s", "64")
    if not (size.isascii() and size.isdigit()) or int(size) not in AVATAR_SIZES:
        abort(400, description=_("The avatar size must be a whole number from 16 to 256."))
    if text_error(username) is not None:  # any name that could be typed gets one
        abort(404, description=_("There is no user with that name."))
    response = make_response(avatar_svg(f"user-{username_key(username)}", int(size)))
    response.mimetype = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.add_etag()
    return response.make_conditional(request)
