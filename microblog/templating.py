"""What every template can use, registered here and nowhere else: time tags, the badge label, the locale, the
current nav section, user text (links, mentions, previews), and what each feature's partials ask about."""

from __future__ import annotations

from flask import Flask, request, url_for
from flask.templating import Environment
from flask.globals import _cv_request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context, pass_eval_context
from markupsafe import Markup

from . import fragments
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


class PageEnvironment(Environment):
    """Flask's Jinja environment, whose templates read the environment's globals directly.

    Jinja gives each template a ChainMap over (its own globals, the environment's): every render and every
    include then flattens it, key by key, to make the template's context (~20 us a page and ~3 us an include,
    issue 27: index -5%, new message -4%). No template of ours has globals of its own, so the map is the
    environment's dict itself: the same names, still live (a test that swaps a global sees it). Loading a
    template with globals of its own is refused: Jinja would add them to a cached template's map, here the
    environment's.
    """

    def make_globals(self, d):
        if d:
            return super().make_globals(d)  # from_string(..., globals): Jinja's overlay, never cached
        return self.globals

    def get_template(self, name, parent=None, globals=None):
        if globals:
            raise TypeError("PageEnvironment: templates take no globals of their own")
        return super().get_template(name, parent)

    def select_template(self, names, parent=None, globals=None):
        if globals:
            raise TypeError("PageEnvironment: templates take no globals of their own")
        return super().select_template(names, parent)


# The reader is the template's own `current_user` (Flask-Login puts the loaded user in every template's
# context): a list of posts asks twice a post, and the context-local proxy cost more than the check.
@pass_context
def can_edit(context, post) -> bool:
    """Whether the reader may still edit `post` (the post partial shows Edit then)."""
    return may_edit(post, context.get("current_user"))


@pass_context
def can_delete(context, post) -> bool:
    """Whether the reader may delete `post` (the post partial shows Delete then)."""
    return may_delete(post, context.get("current_user"))


_LIVE = "microblog.push_live"  # push_live()'s answer, kept in the request's environ


def push_live() -> bool:
    """`streams_here()` (does this request's page open the push stream?), worked out once a request: the
    layout, the badge and the live lists each ask (~5 us each), and the answer is the request's."""
    ctx = _cv_request.get(None)
    if ctx is None:
        return streams_here()
    environ = ctx.request.environ
    live = environ.get(_LIVE)
    if live is None:
        live = environ[_LIVE] = streams_here()
    return live


# -- the two per-item costs every list pays: links and translated strings (issue 27) ------------------------
# A template's `url_for(endpoint, **values)` is a pure function of the app's URL map (fixed once the app is
# made), the request's SCRIPT_NAME and the arguments, as long as no `url_defaults` callback is registered
# (none is) and nothing asks for an external, anchored or relative (".name") URL: those go to Flask as they
# are. So each distinct link is built once per app and looked up after that.
URL_CACHE_SIZE = 50_000
TEXT_CACHE_SIZE = 20_000  # finished template strings kept per catalogue (below)


def template_url_for(endpoint: str, **values) -> str:
    """Flask's `url_for`, with each link a template builds kept per app (see above)."""
    ctx = _cv_request.get(None)
    if ctx is None or endpoint[0] == "." or any(name[0] == "_" for name in values):
        return url_for(endpoint, **values)
    key = (ctx.request.environ.get("SCRIPT_NAME", ""), endpoint, *values.items())
    links = ctx.app.extensions["template_links"]
    try:
        return links[key]
    except KeyError:
        link = links[key] = url_for(endpoint, **values)
        if len(links) > URL_CACHE_SIZE:
            links.clear()  # rare and cheap: the links are built again as pages ask for them
        return link
    except TypeError:  # an unhashable value: not worth keeping
        return url_for(endpoint, **values)


def _template_gettext(translations) -> dict:
    """`_`, `gettext` and `ngettext` for one render, bound to the request's catalogue: Flask-Babel's own look
    the catalogue up again on every call (three context lookups a string). Same meaning as Jinja's "newstyle"
    ones: the text is a format string for its keyword arguments, and markup-safe where autoescaping is on."""
    bound = getattr(translations, "_template_callables", None)
    if bound is None:
        lookup, plural = translations.ugettext, translations.ungettext
        # Finished texts, per catalogue: a page says "Actions" or "2 reactions: Like" many times over. The key
        # holds autoescaping and each argument's type with its value ("<b>" and Markup("<b>") are equal
        # strings that format differently); an unhashable argument is formatted every time.
        finished: dict = {}

        def finish(key: tuple, make):
            """The kept text for `key`, else `make()` kept (an unhashable key: made, not kept)."""
            try:
                return finished[key]
            except KeyError:
                pass
            except TypeError:
                return make()
            if len(finished) >= TEXT_CACHE_SIZE:
                finished.clear()
            text = finished[key] = make()
            return text

        @pass_eval_context
        def gettext(eval_ctx, string, **variables):
            def make():
                text = Markup(lookup(string)) if eval_ctx.autoescape else lookup(string)
                # Formatting a text without "%" with no arguments gives it back unchanged.
                return text % variables if variables or "%" in text else text

            return finish((eval_ctx.autoescape, string, *((k, type(v), v) for k, v in variables.items())), make)

        @pass_eval_context
        def ngettext(eval_ctx, singular, plural_form, num, **variables):
            variables.setdefault("num", num)

            def make():
                text = plural(singular, plural_form, num)
                return (Markup(text) if eval_ctx.autoescape else text) % variables

            key = (eval_ctx.autoescape, singular, plural_form, *((k, type(v), v) for k, v in variables.items()))
            return finish(key, make)

        bound = translations._template_callables = {"_": gettext, "gettext": gettext, "ngettext": ngettext}
    return bound


def init_app(app: Flask) -> None:
    app.extensions["template_links"] = {}
    app.jinja_env.globals["url_for"] = template_url_for
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
        push_live=push_live,  # base.html and the live partials: does this server hold streams?
    )
    app.jinja_env.globals.update(fragments.template_helpers(app))  # list items rendered once per content
    app.jinja_env.filters["linkify"] = linkify  # user text: links and @mentions, nothing else
    app.jinja_env.filters["preview"] = preview
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _page_context():
        return {
            "locale": str(get_locale() or "en"),
            "endpoint": request.endpoint or "",
            **_template_gettext(get_translations()),
        }
