"""GET /search?q=: the results page, or only the results for htmx (search as you type)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..htmx import render
from . import engine, messages

bp = Blueprint("search", __name__)


def search_limited() -> int | None:
    """Seconds to wait when this search goes over the user's or the address's limit (SPEC S22), else None.
    Search as you type asks once per pause in typing, well under the limits."""
    limits = [
        ratelimit.Limit.configured("search-user", str(current_user.id), "RATELIMIT_SEARCH_PER_USER"),
        ratelimit.Limit.configured("search-address", ratelimit.client_address(), "RATELIMIT_SEARCH_PER_ADDRESS"),
    ]
    return ratelimit.hit_all(limits)


@bp.get("/search")
@login_required
def search():
    """Posts matching the words of `q` (relevance, then recency) and users by name; with `tab=messages` my
    messages instead (only conversations I am in, newest first); a hint when empty."""
    query = request.args.get("q", "")[: engine.MAX_QUERY]
    tab = request.args.get("tab", "posts")
    if tab not in ("posts", "messages"):
        abort(400, description=_("'tab' must be posts or messages."))
    words = engine.terms(query)
    if words and (retry := search_limited()):
        return ratelimit.too_many(retry, _("Too many searches. Please wait a moment."))
    per_page = current_app.config["POSTS_PER_PAGE"]
    if tab == "messages":
        hits = messages.search_messages(current_user.id, words, per_page)
        posts, users = engine.Page(items=[], page=hits.page, has_next=False), []
    else:
        hits = None
        posts = engine.search_posts(words, per_page, current_user.id)
        users = engine.search_users(words, viewer_id=current_user.id) if words and posts.page == 1 else []
    # The tab's title follows the query: search as you type pushes the URL with each answer.
    title = _("Results for “%(query)s”", query=query) if words else _("Search")
    return render(
        "search/search.html",
        "partials/search/results.html",
        title=title,
        q=query,
        words=words,
        posts=posts,
        users=users,
        tab=tab,
        hits=hits,
        me=current_user,
        endpoint="search.search",
        endpoint_args={"q": query, "tab": tab} if tab == "messages" else {"q": query},
    )
