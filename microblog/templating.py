"""What every template can use: time tags, the badge label, the locale, the current nav section."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from .formatting import badge_label, linkify, timetag


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(timetag=timetag, badge_label=badge_label)
    app.jinja_env.filters["linkify"] = linkify  # user text: links and @mentions, nothing else
    from .posts.mentions import preload_mentions, render_mentions

    app.jinja_env.globals.update(render_mentions=render_mentions, preload_mentions=preload_mentions)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _page_context():
        return {"locale": str(get_locale() or "en"), "endpoint": request.endpoint or ""}
