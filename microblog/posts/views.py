"""The home timeline (with the post form), explore, and one post: its page, edit and delete."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import FLASHES, after_post, current_url, redirect_after_post, render, render_form, wants_fragment
from ..pagination import paginate
from ..users.models import username_key
from .changes import create_post, delete_post, edit_post
from .forms import EditPostForm, PostForm
from .mentions import MAX_MENTIONS, mentioned_names
from .models import Post

bp = Blueprint("posts", __name__)


def posting_limited(author_id: int, body: str) -> int | None:
    """Seconds to wait when this post goes over the author's limits (SPEC S22), else None: posts per author,
    and mentions per author and mentioned name (a flood of posts cannot become a flood of notifications)."""
    limits = [ratelimit.Limit.configured("post", str(author_id), "RATELIMIT_POSTS_PER_AUTHOR")]
    limits += [
        ratelimit.Limit.configured(
            "mention", f"{author_id} {username_key(name)}", "RATELIMIT_MENTIONS_PER_AUTHOR_AND_NAME"
        )
        for name in mentioned_names(body)[:MAX_MENTIONS]
    ]
    return ratelimit.hit_all(limits)


@bp.route("/", methods=["GET", "POST"])
@bp.route("/index", methods=["GET", "POST"])
def index():
    """Home: the post form and the timeline (the post list alone for htmx paging); at / for a signed-out
    visitor the landing page, which says what Microblog is (/index still asks them to sign in)."""
    if not current_user.is_authenticated:
        if request.method == "GET" and request.path == "/" and not wants_fragment():
            return render_template("posts/landing.html")
        return current_app.login_manager.unauthorized()
    form = PostForm()
    if form.validate_on_submit():
        if retry := posting_limited(current_user.id, form.post.data):
            return ratelimit.too_many(
                retry,
                _(
                    "You are posting too fast, or mentioning the same people too often. "
                    "Please wait a few minutes and try again."
                ),
            )
        post = create_post(current_user, form.post.data)  # and the mentions' activity
        # htmx: a fresh form, the new post at the top of the list and the flash, without a reload.
        return after_post(
            url_for("posts.index"),
            "partials/posts/created.html",
            flashed=(_("Your post is now live!"), "success"),
            oob=(FLASHES,),
            form=PostForm(formdata=None),
            post=post,
        )
    # A failed htmx post swaps only the form, with its errors, in place.
    return render_form(lambda status: _timeline(form, status), in_place="partials/posts/form.html", form=form)


def _timeline(form: PostForm, status: int):
    """Home's page (the post list alone for htmx paging)."""
    page = paginate(Post.timeline(current_user), current_app.config["POSTS_PER_PAGE"])
    return render(
        "posts/index.html",
        "partials/posts/list.html",
        status=status,
        form=form,
        posts=page,
        endpoint="posts.index",
        endpoint_args={},
    )


@bp.get("/explore")
@login_required
def explore():
    """Everyone's posts, newest first; the list alone for htmx paging."""
    page = paginate(Post.everyone(current_user), current_app.config["POSTS_PER_PAGE"])
    return render(
        "posts/explore.html", "partials/posts/list.html", posts=page, endpoint="posts.explore", endpoint_args={}
    )


def post_id_or_404(raw: str) -> int:
    """The post id in a URL: a whole number that fits the column; 404 for anything else."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) > 0):
        abort(404, description=_("There is no such post."))
    return int(raw)


def get_post_or_404(raw: str) -> Post:
    post = db.session.get(Post, post_id_or_404(raw))
    if post is None:
        abort(404, description=_("There is no such post."))
    return post


@bp.get("/post/<post_id>")
@login_required
def post(post_id):
    """One post on its own page (its author's hover card, Translate, and Edit/Delete for its author)."""
    return render("posts/post.html", "partials/posts/post.html", post=get_post_or_404(post_id))


@bp.route("/post/<post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id):
    """The edit form (the author, within 15 minutes; 403 otherwise); on success the post's page."""
    post = get_post_or_404(post_id)
    if not post.editable_by(current_user):
        abort(403, description=_("A post can only be edited by its author, in the first 15 minutes."))
    form = EditPostForm()
    if form.validate_on_submit():
        edit_post(post.id, current_user, form.post.data)  # checks the author and the time again, locked
        flash(_("Your post has been updated."), "success")
        return redirect_after_post(url_for("posts.post", post_id=post.id))
    if request.method == "GET":
        form.post.data = post.body
    return render_form("posts/edit.html", "partials/posts/edit.html", form=form, post=post)


@bp.route("/post/<post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id):
    """GET: "Delete this post?" with a form that POSTs. POST: delete it (the author only, 403 otherwise);
    htmx (which asked with hx-confirm) gets the post swapped away, a plain form the confirmation page
    first unless it comes from there."""
    post = get_post_or_404(post_id)
    if not post.deletable_by(current_user):
        abort(403, description=_("You can only delete your own posts."))
    form = EmptyForm()
    if request.method == "POST" and not wants_fragment() and request.form.get("confirmed") != "yes":
        return redirect_after_post(url_for("posts.delete", post_id=post.id))
    if form.validate_on_submit():
        own_page = current_url().startswith(url_for("posts.post", post_id=post.id))
        delete_post(post.id, current_user)
        # htmx from a list: the post swapped away, the flash out-of-band; from its own page: home.
        return after_post(
            url_for("posts.index"),
            in_place=not own_page,
            flashed=(_("Your post has been deleted."), "success"),
            oob=(FLASHES,),
        )
    return render_template("posts/delete.html", form=form, post=post)
