"""Microblog: a Flask + htmx microblog with private messages and a live unread badge."""

from __future__ import annotations

from pathlib import Path
from types import FunctionType

from babel import Locale
from flask import Flask, request
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from . import config as config_module
from .extensions import babel, csrf, db, login_manager, migrate
from .resources import resource_dir
from .templating import PageEnvironment


class Microblog(Flask):
    """Flask, deciding once per function whether it is a coroutine: Flask asks `ensure_sync` of every hook,
    view and handler on every request (a dozen `inspect` calls for a poll that does nothing else). Its
    templates read the Jinja globals directly (templating.PageEnvironment)."""

    jinja_environment = PageEnvironment

    def ensure_sync(self, func):
        if type(func) is not FunctionType:  # bound methods may be made per request: not kept
            return super().ensure_sync(func)
        known = self.__dict__.setdefault("_sync_functions", {})
        sync = known.get(func)
        if sync is None:
            sync = super().ensure_sync(func)
            if len(known) < 2000:  # after_this_request's closures are made per request: a bound, not a leak
                known[func] = sync
        return sync


LANGUAGES = ["en", "es"]
_CHOSEN: dict[str, Locale] = {}  # Accept-Language header -> the locale it picks; a browser sends the same each time


def select_locale() -> Locale:
    """The reader's language from Accept-Language. Parsing the header, matching it and making the Locale cost
    ~20 us a request; each distinct header is worked out once per process (bounded: past 1,000, again)."""
    header = request.headers.get("Accept-Language", "")
    chosen = _CHOSEN.get(header)
    if chosen is None:
        chosen = Locale.parse(request.accept_languages.best_match(LANGUAGES) or "en")
        if len(header) <= 200:  # real browsers' headers are short; a long one is worked out every time
            if len(_CHOSEN) >= 1000:
                _CHOSEN.clear()
            _CHOSEN[header] = chosen
    return chosen


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration from the environment, then `overrides` (tests use these)."""
    app = Microblog(__name__, instance_relative_config=True)
    app.config.update(config_module.load(app.instance_path))
    if overrides:
        app.config.update(overrides)
    config_module.check_production(app.config)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        # X-Forwarded-Host is not trusted: a client could make our absolute URLs point at another site.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # A server database can restart or drop idle connections: test each one as the pool hands it out
    # (a 503 then a clean reconnect, SPEC S9). An SQLite file cannot go away, so its requests skip the ping.
    engine_options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    engine_options.setdefault("pool_pre_ping", not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"))
    # A failed statement's parameters (password hashes, session tokens, message bodies) never reach the log.
    engine_options.setdefault("hide_parameters", True)

    # Pages come from templates/, fragments from partials/ ("partials/<feature>/<noun>.html").
    app.jinja_loader = ChoiceLoader(
        [
            PrefixLoader({"partials": FileSystemLoader(str(resource_dir("partials")))}),
            FileSystemLoader(str(resource_dir("templates"))),
        ]
    )

    db.init_app(app)
    with app.app_context():
        from .database import configure_engine, end_request_session

        configure_engine(db.engine)
    app.teardown_appcontext(end_request_session)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)

    from . import blueprints, bodies, commands, errors, health, jobs, mail, push, security, static_files, templating
    from .auth import login as auth_login, session as auth_session
    from .notifications import email_views

    bodies.init_app(app)  # first: bodies are read and sized before CSRF or a view parses them
    auth_session.init_app(app)  # the signed-cookie session, each verified cookie remembered
    auth_login.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    templating.init_app(app)  # every template helper
    blueprints.init_app(app)  # every blueprint
    mail.init_app(app)  # SPEC S15
    commands.init_app(app)
    health.init_app(app)
    push.init_app(app)
    email_views.init_app(app)  # SPEC S18: email for unread messages, and the background jobs that send it
    jobs.init_app(app)
    return app
