"""GET /search?q=: the results page, or only the results for htmx (search as you type)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import login_required

from ..htmx import render
from . import engine, messages  # noqa: F401 - messages: its index hooks

bp = Blueprint("search", __name__)
bp.add_app_template_global(engine.highlight, "highlight")


@bp.get("/search")
@login_required
def search():
    """Posts matching the words of `q` (relevance, then recency) and users by name; a hint when empty."""
    query = request.args.get("q", "")[: engine.MAX_QUERY]
    words = engine.terms(query)
    posts = engine.search_posts(words, current_app.config["POSTS_PER_PAGE"])
    users = engine.search_users(words) if words and posts.page == 1 else []
    # The tab's title follows the query: search as you type pushes the URL with each answer.
    title = _("Results for “%(query)s”", query=query) if words else _("Search")
    return render("search/search.html", "partials/search/results.html", title=title, q=query, words=words,
                  posts=posts, users=users, endpoint="search.search", endpoint_args={"q": query})
