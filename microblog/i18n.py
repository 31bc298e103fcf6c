"""Flask-Babel, with the request's catalogue found once per request instead of once per string (issue 27)."""

from __future__ import annotations

from functools import cached_property

from flask.globals import _cv_app
from flask_babel import Babel, Domain

_KEPT = "microblog_catalogue"  # on Flask-Babel's per-request namespace (g._flask_babel): (locale, domain, catalogue)


class RequestDomain(Domain):
    """Flask-Babel's message domain, keeping the catalogue it found for the request's locale.

    Every `gettext`, and every lazy string rendered (form labels, the navbar's and the settings nav's labels),
    found the catalogue through three context-local lookups and the locale's name (~7 us; a settings page made
    17). It is kept beside the locale Flask-Babel chose, with that locale: `force_locale()` (emails, exports)
    swaps the locale object, so a kept catalogue is used only for the very locale it was found for.
    """

    def get_translations(self):
        app_ctx = _cv_app.get(None)
        state = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
        kept = getattr(state, _KEPT, None)
        if kept is not None and kept[0] is getattr(state, "babel_locale", None) and kept[1] is self:
            return kept[2]
        translations = super().get_translations()  # chooses the locale (and makes the namespace) when needed
        state = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            setattr(state, _KEPT, (locale, self, translations))
        return translations


class RequestBabel(Babel):
    """Flask-Babel whose default domain is a `RequestDomain`."""

    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)
