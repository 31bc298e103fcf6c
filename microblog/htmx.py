"""The small htmx vocabulary the views share: fragment or page, client redirects, stop polling."""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, request, template_rendered

STOP_POLLING = 286  # htmx cancels an `every Ns` trigger when it receives this status


def is_htmx() -> bool:
    """True for any request htmx made (fragment, boosted or history restore)."""
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """True only for a plain htmx request; boosted and history-restore requests want the whole page."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def vary_on_htmx(response: Response) -> Response:
    """Tell caches that the body depends on the htmx request headers."""
    response.vary.add("HX-Request")
    return response


def render(page: str, partial: str, status: int = 200, oob: tuple[str, ...] = (), **context) -> Response:
    """Render the page, or only its partial for a plain htmx request, from the same context.

    `oob` names more partials that go with the fragment out-of-band (rendered with `oob=True`); the
    page needs none, as it includes them itself.
    """
    if wants_fragment():
        body = render_template(partial, **context)
        body += "".join(render_template(name, oob=True, **context) for name in oob)
    else:
        body = render_template(page, **context)
    return vary_on_htmx(make_response(body, status))


def render_standalone(name: str, **context) -> str:
    """Render a partial from its own arguments and the app's template globals only.

    No context processors run, so nothing is loaded for the template (Flask-Login's `current_user` would
    load the user: a second query on the badge poll). Only for partials whose contract needs nothing else.
    """
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(name)
    body = template.render(**context)
    template_rendered.send(app, template=template, context=context)
    return body


def client_redirect(url: str) -> Response:
    """Make htmx load `url` as a full page (never a 302 that would land inside a fragment)."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url
    return response


def redirect_after_post(url: str) -> Response:
    """After a successful POST: 303 for a plain form, an htmx client redirect for an htmx one."""
    if is_htmx():
        return client_redirect(url)
    response = make_response("", 303)
    response.headers["Location"] = url
    return response
