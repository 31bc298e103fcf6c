"""Error answers: a page, a fragment for htmx, or JSON for JSON routes; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from . import htmx
from .htmx import HX_REFRESH, is_htmx, wants_fragment

log = logging.getLogger(__name__)


def json_errors(view):
    """Mark a view as a JSON route: its errors (and 401s) are answered as JSON."""
    view.json_errors = True
    return view


def wants_json() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "json_errors", False))


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Please sign in"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        408: _("Too slow"),
        413: _("Too large"),
        422: _("Please check your input"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
        503: _("Temporarily unavailable"),
    }


def _default_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("You need to sign in to see this."),
        403: _("You are not allowed to do that."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that kind of request."),
        408: _("What you sent took too long to arrive. Please try again."),
        413: _("What you sent is too large."),
        429: _("Please wait a moment and try again."),
        500: _("An unexpected error happened on our side. It has been logged."),
        503: _("The service is briefly unavailable. Please try again in a few seconds."),
    }


def error_response(code: int, message: str | None = None, headers: dict | None = None):
    """Answer `code` with a clear message in the form the client asked for."""
    title = _titles().get(code, _("Error"))
    message = message or _default_messages().get(code, title)
    if wants_json():
        response = jsonify(error=title, message=message, status=code)
        response.status_code = code
    else:
        if code >= 500:
            _forget_unloaded_user()
        template = "partials/errors/error.html" if wants_fragment() else "errors/error.html"
        try:
            # bare: during a database outage the page must not try to load the signed-in user.
            body = render_template(template, code=code, title=title, message=message, bare=code >= 500)
        except Exception:  # noqa: BLE001 - last resort: a plain answer rather than the server's bare 500
            log.exception("rendering the %s error page failed", code)
            body = f'<div id="error" role="alert"><h2>{escape(title)}</h2><p>{escape(message)}</p></div>'
        response = htmx.error(body, code)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _description(error: HTTPException) -> str | None:
    # Werkzeug's built-in English descriptions are replaced by our translated defaults;
    # a description we passed to abort() is kept.
    default = type(error).description
    return None if error.description == default else error.description


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        headers = {}
        if is_htmx():
            # A dead button helps nobody: reload the page, which brings a fresh token.
            headers[HX_REFRESH] = "true"
        return error_response(
            400,
            _("Your form expired or did not come from this site. Please reload the page and try again."),
            headers,
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        headers = {}
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return error_response(error.code, _description(error), headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database_unavailable(error):
        log.warning("database error: %s", error.__class__.__name__, exc_info=error)
        _safe_rollback()
        _forget_unloaded_user()
        if isinstance(error, DBAPIError) and not _is_outage(error):
            return error_response(500)
        return error_response(503, headers={"Retry-After": "5"})

    @app.errorhandler(PoolTimeout)
    def _pool_exhausted(error):
        # Every pooled connection is busy: the service is overloaded, not broken (SPEC S16).
        log.warning("no database connection free within the pool timeout")
        _forget_unloaded_user()
        return error_response(503, headers={"Retry-After": "5"})

    @app.errorhandler(InternalServerError)
    def _internal_error(error):
        _safe_rollback()
        original = getattr(error, "original_exception", None)
        if isinstance(original, PoolTimeout):
            return _pool_exhausted(original)
        if isinstance(original, DBAPIError):
            # Raised outside the view (e.g. in an after_request hook), so it skipped the handler above.
            return _database_unavailable(original)
        if isinstance(original, PendingRollbackError):
            # A connection that died mid-transaction: the database is going away, not a bug.
            return error_response(503, headers={"Retry-After": "5"})
        return error_response(500)


def _is_outage(error: DBAPIError) -> bool:
    """Connection lost or refused, server shutting down, or SQLite's lock wait timed out."""
    if error.connection_invalidated or isinstance(error, OperationalError):
        return True
    return type(error.orig).__name__ in {"InterfaceError", "OperationalError", "AdminShutdown"}


def _forget_unloaded_user() -> None:
    """Treat the request as anonymous when loading its user is what failed.

    Flask-Login's template context processor loads `current_user` for every template, the error page
    included; without this the error page would hit the dead database again and end as a bare 500.
    """
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool will replace it
        log.debug("rollback after a database error failed", exc_info=True)
