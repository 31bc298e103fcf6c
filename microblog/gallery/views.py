"""The partials gallery: every partial in `partials/` rendered on its own with sample data, in English
and Spanish. Only when DEBUG or GALLERY_ENABLED is set; 404 otherwise."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from .samples import Entry, entries

bp = Blueprint("gallery", __name__)

LOCALES = ("en", "es")


@bp.before_request
def _only_when_enabled():
    if not (current_app.debug or current_app.config.get("DEBUG") or current_app.config.get("GALLERY_ENABLED")):
        abort(404)


def render_entry(entry: Entry) -> list[dict]:
    """Each sample of `entry` rendered in each locale: `{"label", "renders": [{"locale", "html", "error"}]}`."""
    rendered = []
    for label, context in entry.samples:
        renders = []
        for locale in LOCALES:
            with force_locale(locale):
                try:
                    html, error = Markup(render_template(entry.name, **context)), None
                except Exception as exc:  # a designer sees the error in place, the tests fail on it
                    html, error = None, f"{type(exc).__name__}: {exc}"
            renders.append({"locale": locale, "html": html, "error": error})
        rendered.append({"label": label, "renders": renders})
    return rendered


@bp.get("/")
def index():
    """The gallery page: every partial, every sample, in English and Spanish."""
    found = entries()
    return render_template(
        "gallery/index.html", title=None, entries=found, rendered={entry.name: render_entry(entry) for entry in found}
    )


@bp.get("/<path:name>")
def partial(name):
    """One partial's samples (`/gallery/messages/form`), for a designer editing that file."""
    found = [entry for entry in entries() if entry.path == name.removesuffix(".html")]
    if not found:
        abort(404)
    return render_template(
        "gallery/index.html",
        title=found[0].name,
        entries=found,
        rendered={entry.name: render_entry(entry) for entry in found},
    )
