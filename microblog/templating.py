"""What every template can use, registered here and nowhere else: time tags, the badge label, the locale, the
current nav section, user text (links, mentions, previews), and what each feature's partials ask about."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from .formatting import badge_label, linkify, preview, timetag
from .messages.actions import editable
from .messages.models import REACTIONS
from .posts.mentions import preload_mentions, render_mentions
from .posts.models import may_delete, may_edit
from .posts.translation import translate_to
from .push import streams_here
from .search.engine import highlight
from .unread.counts import current_counts
from .users.appearance import theme


def can_edit(post) -> bool:
    """Whether the reader may still edit `post` (the post partial shows Edit then)."""
    return may_edit(post, current_user)


def can_delete(post) -> bool:
    """Whether the reader may delete `post` (the post partial shows Delete then)."""
    return may_delete(post, current_user)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        timetag=timetag,
        badge_label=badge_label,
        render_mentions=render_mentions,
        preload_mentions=preload_mentions,
        can_edit=can_edit,
        can_delete=can_delete,
        translate_to=translate_to,  # posts: the Translate control
        highlight=highlight,  # search results
        editable_message=editable,
        reactions_offered=REACTIONS,
        theme=theme,  # issue 24: the light/dark/system setting
        navbar_counts=current_counts,  # base.html: the signed-in user's Counts (g.counts), given to the navbar
        push_live=streams_here,  # base.html and the live partials: does this server hold streams?
    )
    app.jinja_env.filters["linkify"] = linkify  # user text: links and @mentions, nothing else
    app.jinja_env.filters["preview"] = preview
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _page_context():
        return {"locale": str(get_locale() or "en"), "endpoint": request.endpoint or ""}
