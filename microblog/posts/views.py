"""The home timeline (with the post form) and explore."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..activity.events import create_post
from ..activity.models import MAX_MENTIONS, mentioned_names
from ..errors import error_response
from ..htmx import fragment, redirect_after_post, render, wants_fragment
from ..pagination import paginate
from ..users.models import username_key
from .forms import PostForm
from .models import Post

bp = Blueprint("posts", __name__)


def posting_limited(author_id: int, body: str) -> int | None:
    """Seconds to wait when this post goes over the author's limits (SPEC S22), else None: posts per author,
    and mentions per author and mentioned name (a flood of posts cannot become a flood of notifications)."""
    limits = [("post", str(author_id), *ratelimit.limit_of("RATELIMIT_POSTS_PER_AUTHOR"))]
    mentions = ratelimit.limit_of("RATELIMIT_MENTIONS_PER_AUTHOR_AND_NAME")
    limits += [("mention", f"{author_id} {username_key(name)}", *mentions) for name in mentioned_names(body)[:MAX_MENTIONS]]
    return max([ratelimit.hit(*limit) or 0 for limit in limits]) or None


@bp.route("/", methods=["GET", "POST"])
@bp.route("/index", methods=["GET", "POST"])
@login_required
def index():
    """Home: the post form and the timeline; the post list alone for htmx paging."""
    form = PostForm()
    if form.validate_on_submit():
        if retry := posting_limited(current_user.id, form.post.data):
            return error_response(429, _("You are posting too fast, or mentioning the same people too often. "
                                         "Please wait a few minutes and try again."), {"Retry-After": str(retry)})
        post = create_post(current_user, form.post.data)  # and the mentions' activity
        flash(_("Your post is now live!"), "success")
        if wants_fragment():
            # A fresh form, the new post at the top of the list and the flash, without a reload.
            return fragment("partials/posts/created.html", form=PostForm(formdata=None), post=post)
        return redirect_after_post(url_for("posts.index"))
    status = 422 if form.is_submitted() else 200
    if status == 422 and wants_fragment():
        # The htmx form swaps itself with its errors (htmx is configured to swap 422).
        return fragment("partials/posts/form.html", status=422, form=form)
    page = paginate(Post.timeline(current_user), current_app.config["POSTS_PER_PAGE"])
    return render("posts/index.html", "partials/posts/list.html", status=status, form=form, posts=page,
                  endpoint="posts.index", endpoint_args={})


@bp.get("/explore")
@login_required
def explore():
    """Everyone's posts, newest first; the list alone for htmx paging."""
    page = paginate(Post.everyone(current_user), current_app.config["POSTS_PER_PAGE"])
    return render("posts/explore.html", "partials/posts/list.html", posts=page,
                  endpoint="posts.explore", endpoint_args={})
