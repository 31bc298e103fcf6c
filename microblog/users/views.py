"""Profiles, hover cards, the old profile form's URL and avatars (follows and blocks: relation_views.py)."""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..htmx import fragment, render, wants_fragment
from ..pagination import paginate
from ..posts.models import Post
from .avatar import avatar_svg
from .blueprint import bp
from .names import text_error, username_key
from .relation_views import profile_context  # and its routes, on this blueprint

AVATAR_SIZES = range(16, 257)


@bp.get("/user/<username>")
@login_required
def user(username):
    """A profile with the user's posts; the post list alone for htmx paging."""
    context = profile_context(username)
    user = context["user"]
    posts = Post.by_user(user)
    if context.get("i_block") or context.get("blocks_me"):
        posts = posts.nothing()  # blocks hide posts both ways
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
    context = profile_context(username, in_card=True)
    if not wants_fragment():
        return redirect(url_for("users.user", username=context["user"].username))
    return fragment("partials/users/popup.html", **context)


@bp.route("/edit_profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    """The tutorial's profile form now lives in the settings: a redirect there (307 keeps a POST a POST)."""
    return redirect(url_for("settings.profile"), 302 if request.method == "GET" else 307)


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
