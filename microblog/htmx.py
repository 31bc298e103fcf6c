"""How a view answers htmx: the one vocabulary every view uses, and the only place htmx header names appear.

| the view wants to…                                             | answer with                          |
|----------------------------------------------------------------|--------------------------------------|
| show a page that htmx also asks for in part (lists, paging)    | `render(page, partial, **ctx)`       |
| answer what only htmx asks for (hover card, follow or block    | `fragment(partial, **ctx)`           |
|   controls, a poll's news)                                     |   (`oob=(...)`: more, out-of-band)   |
| show a form: 200, or 422 with its errors after a failed POST   | `render_form(page, partial, **ctx)`  |
| end a POST that worked: its fragment for htmx, else 303        | `after_post(url, partial, **ctx)`    |
| end a POST that worked on another page (303 or HX-Redirect)    | `redirect_after_post(url)`           |
| send a body it rendered itself                                 | `answer(body)`                       |
| make htmx load a whole page (never a 302 inside a swap)        | `client_redirect(url)`               |
| answer a poll: 286 without state, 204 when the client's tag    | `poll(read, tag, shown, news,        |
|   equals the state's, else the news (`is_current` for /events) |   stopped)`                          |
| tell a poll that nothing changed / stop it (signed out)        | `nothing_new()` (204) /              |
|                                                                |   `stop_polling(body)` (286)         |
| say this request is a poll (its failures then stay silent)     | `mark_poll()` (poll() does it)       |
| fail                                                           | `abort(code)`; errors.py answers     |
|                                                                |   with `error(body, code)`           |
| refuse one over a rate limit (429, Retry-After)                | `ratelimit.too_many(retry, message)` |

**The one rule.** What to *render* follows `wants_fragment()`: a plain htmx request gets the partial; boosted
and history-restore requests get the whole page, like a request without htmx. How to *navigate* follows
`is_htmx()`: any htmx request gets `HX-Redirect`, never a 3xx its XHR would follow (redirect_after_post, the
401's HX-Redirect, the expired CSRF token's HX-Refresh), and hooks that skip all htmx traffic. The answers
of a write (after_post, render_form, redirect_after_post) apply the rule themselves; a view asks
`wants_fragment()` only to skip loading what the partial does not show.

**Out-of-band** is one way: `oob=(partial, ...)` on render/fragment/after_post/render_form renders each named
partial with `oob=True` after the main one (its root then carries `hx-swap-oob`). The response modifiers
`retarget`, `reswap` and `push_url` set the headers htmx obeys; `to_error_region` composes them once.

Every answer built here carries `Vary: HX-Request`. Errors to a plain htmx request go to `#error-region` in
base.html (`HX-Retarget`), replacing what it showed; 422 (a form and its errors) and 429 swap where the
request aimed; a poll's failure swaps nothing and the poll goes on. The next fragment that is not an error
empties the region again (out-of-band), so an error shows until something works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Response, current_app, flash, g, make_response, render_template, request, template_rendered
from flask_login import current_user
from flask_wtf.form import SUBMIT_METHODS

# Request headers htmx sends.
HX_REQUEST = "HX-Request"
HX_BOOSTED = "HX-Boosted"
HX_HISTORY_RESTORE = "HX-History-Restore-Request"
HX_CURRENT_URL = "HX-Current-URL"
HX_TARGET = "HX-Target"
# Response headers htmx obeys.
HX_REDIRECT = "HX-Redirect"
HX_REFRESH = "HX-Refresh"
HX_RETARGET = "HX-Retarget"
HX_RESWAP = "HX-Reswap"
HX_PUSH_URL = "HX-Push-Url"

NOTHING_NEW = 204  # htmx swaps nothing (base.html's responseHandling)
STOP_POLLING = 286  # htmx cancels an `every Ns` trigger when it receives this status
ERROR_REGION = "#error-region"  # in base.html, outside every swapped target
BADGE = "partials/notifications/badge.html"  # the unread badge, out-of-band where a title changes
FLASHES = "partials/shared/flashes.html"  # the flashed messages, out-of-band where a fragment shows them
TITLE = "partials/shared/title.html"  # the document's <title>, in base.html and atop a titled fragment
SWAPPED_IN_PLACE = (422, 429)  # errors that swap where the request aimed (base.html's responseHandling)
# Out-of-band with every successful fragment: empties the error region, so an error stays on show only
# until the next request that works (its element and aria-live stay; only what it showed goes).
CLEAR_ERRORS = f'<div id="{ERROR_REGION[1:]}" hx-swap-oob="innerHTML"></div>'


def is_htmx() -> bool:
    """True for any request htmx made (fragment, boosted or history restore)."""
    return request.headers.get(HX_REQUEST) == "true"


def wants_fragment() -> bool:
    """True only for a plain htmx request; boosted and history-restore requests want the whole page."""
    headers = request.headers
    return (
        headers.get(HX_REQUEST) == "true"
        and headers.get(HX_BOOSTED) != "true"
        and headers.get(HX_HISTORY_RESTORE) != "true"
    )


def current_url() -> str:
    """The path and query of the page htmx made the request from ("" when unknown)."""
    current = urlsplit(request.headers.get(HX_CURRENT_URL, ""))
    return current.path + (f"?{current.query}" if current.query else "")


def target() -> str:
    """The id of the element htmx will swap the answer into ("" when unknown)."""
    return request.headers.get(HX_TARGET, "")


def answer(body: str, status: int = 200) -> Response:
    """The answer every other one is made of: a body that depends on the htmx headers (`Vary` says so)."""
    response = make_response(body, status)
    response.vary.add(HX_REQUEST)
    return response


def _partials(partial: str | None, oob: tuple[str, ...], status: int, context: dict) -> str:
    body = render_template(partial, **context) if partial else ""
    body += "".join(render_template(name, oob=True, **context) for name in oob)
    return body + CLEAR_ERRORS if status < 400 else body


def render(
    page: str, partial: str, status: int = 200, oob: tuple[str, ...] = (), title: str | None = None, **context
) -> Response:
    """Render the page, or only its partial for a plain htmx request, from the same context.

    `oob` names more partials that go with the fragment out-of-band (rendered with `oob=True`); the
    page needs none, as it includes them itself. A fragment that is not an error also empties the error
    region (CLEAR_ERRORS). `title` is the page's title; give it where the swap
    pushes a new URL (search as you type): the fragment then starts with the <title> htmx renames the tab
    with (partials/shared/title.html).
    """
    if title is not None:
        context["title"] = title
    if not wants_fragment():
        return answer(render_template(page, **context), status)
    if title is not None and BADGE not in oob and current_user.is_authenticated:
        oob += (BADGE,)  # the badge learns the new title, so its next answer keeps it in the tab (SPEC S18)
        context.setdefault("count", g.counts.messages if "counts" in g else 0)  # the loader's (unread/loader.py)
    body = _partials(partial, oob, status, context)
    if title is not None:
        body = render_template(TITLE, title=title) + body
    return answer(body, status)


def fragment(
    partial: str | None, status: int = 200, oob: tuple[str, ...] = (), title: str | None = None, **context
) -> Response:
    """Only the partial (and the `oob` partials, rendered with `oob=True`), for what only htmx asks for.

    `partial=None` swaps nothing into the target (it empties it) and sends only the `oob` partials. `title`
    (the page's title) starts the answer with the tab's <title>, as for render(): give it where the answer
    carries the badge out-of-band, so the count in the tab's title follows (SPEC S18).
    """
    body = _partials(partial, oob, status, {**context, "title": title} if title is not None else context)
    if title is not None:
        body = render_template(TITLE, title=title) + body
    return answer(body, status)


# -- polls: one vocabulary for every poll (the badge, a conversation, the conversation list) and /events -----

Part = tuple[str, dict]  # a partial and its whole context, rendered on its own (see poll)
T = TypeVar("T")


def is_current(state_tag: str, shown: str | None) -> bool:
    """The one freshness rule: the tag the client sent back (from what it shows) equals the state's tag."""
    return shown is not None and shown == state_tag


def poll(
    read: Callable[[], T | None],
    tag: Callable[[T], str],
    shown: str | None,
    news: Callable[[T | None], Response | Sequence[Part]],
    stopped: Callable[[], Sequence[Part]] | None = None,
) -> Response:
    """A poll's answer. `read()` is the state (None: no valid session), `tag(state)` what a client showing it
    sends back, `shown` what this client sent back.

    - no state: 286 with `stopped()` (the element that no longer polls); without `stopped`, `news(None)`
      (the full path decides, e.g. a "remember me" cookie or a 401);
    - `shown` equals the state's tag: 204, nothing rendered;
    - else `news(state)`: a Response, or parts rendered from their own context only, 200.

    Parts run no context processors, so nothing is loaded for them (Flask-Login's `current_user` would load
    the user: a second query on the badge poll); only for partials whose contract needs nothing else. The
    request is marked as a poll first (mark_poll), so a failure reading the state swaps nothing.
    """
    mark_poll()
    state = read()
    if state is None:
        return stop_polling(_alone(stopped())) if stopped is not None else _news(news(None))
    if is_current(tag(state), shown):
        return nothing_new()
    return _news(news(state))


def _news(made: Response | Sequence[Part]) -> Response:
    return made if isinstance(made, Response) else answer(_alone(made))


def _alone(parts: Sequence[Part]) -> str:
    """Render partials from their own context and the app's template globals only (no context processors)."""
    app = current_app._get_current_object()
    body = ""
    for name, context in parts:
        template = app.jinja_env.get_template(name)
        body += template.render(**context)
        template_rendered.send(app, template=template, context=context)
    return body


def nothing_new() -> Response:
    """A poll's "nothing changed": 204, no body, htmx swaps nothing and keeps polling. What answer("", 204)
    makes, built directly: most polls end here."""
    return current_app.response_class("", NOTHING_NEW, {"Vary": HX_REQUEST})


def stop_polling(body: str) -> Response:
    """286: htmx stops the poll; `body` replaces the polling element with one that does not poll."""
    return answer(body, STOP_POLLING)


def mark_poll() -> None:
    """Say that this request is a poll: if it fails, the error swaps nothing (the next poll tries again)."""
    g.htmx_poll = True


def client_redirect(url: str) -> Response:
    """Make htmx load `url` as a full page (never a 302 that would land inside a fragment)."""
    response = answer("", 204)
    response.headers[HX_REDIRECT] = url
    return response


def redirect_after_post(url: str) -> Response:
    """After a successful POST: 303 for a plain form, an htmx client redirect for an htmx one."""
    if is_htmx():
        return client_redirect(url)
    response = answer("", 303)
    response.headers["Location"] = url
    return response


def error(body: str, status: int) -> Response:
    """An error answer (the page, or the error fragment for a plain htmx request).

    For a plain htmx request it goes to the page's error region, replacing what that showed, and the URL
    is not pushed; 422 and 429 swap where the request aimed; a poll's error swaps nothing.
    """
    response = answer(body, status)
    if wants_fragment() and status not in SWAPPED_IN_PLACE:
        return reswap(response, "none") if g.get("htmx_poll") else to_error_region(response)
    return response


# Response modifiers: each sets one header htmx obeys and returns the response, so they compose.


def retarget(response: Response, selector: str) -> Response:
    """Swap the answer into `selector` instead of the element the request aimed at."""
    response.headers[HX_RETARGET] = selector
    return response


def reswap(response: Response, swap: str) -> Response:
    """Swap the answer this way (`innerHTML`, `outerHTML`, `none`...) instead of the request's own hx-swap."""
    response.headers[HX_RESWAP] = swap
    return response


def push_url(response: Response, url: str | bool) -> Response:
    """Push `url` into the browser's history; False: push nothing, whatever the request's hx-push-url says."""
    response.headers[HX_PUSH_URL] = url if isinstance(url, str) else str(url).lower()
    return response


def to_error_region(response: Response) -> Response:
    """The error-region rule: base.html's #error-region shows the answer in place of what it showed, and
    the URL stays."""
    return push_url(reswap(retarget(response, ERROR_REGION), "innerHTML"), False)


# The write side: a form shown again, a POST that worked.


def render_form(
    page: str | Callable[[int], Response],
    partial: str | None = None,
    *,
    status: int | None = None,
    in_place: str | None = None,
    headers: dict | None = None,
    **context,
) -> Response:
    """A page with a form, its status by the one 422 rule: 200 when shown; answered to a submission (which
    failed validation: a success ends with after_post), 422 with the errors beside the fields.

    A plain htmx request gets `partial` (the form, swapped where it aimed), every other one the whole `page`;
    `partial=None`: the page is all there is. Where the page's partial is more than the form (a list under
    it), a failed htmx submission gets `in_place` (the form's partial) instead, and `page` may be a function
    that answers the whole page from a status (what only it shows is then not loaded for the form alone).
    `status=200`: a submission whose result is the page. A form refused by a rate limit:
    ratelimit.too_many(retry, answer=render_form(...)).
    Other keywords (`oob`, `title`, the context) go to render() or fragment().
    """
    if status is None:
        status = 422 if request.method in SUBMIT_METHODS else 200
    if in_place is not None and status >= 400 and wants_fragment():
        response = fragment(in_place, status=status, **context)
    elif not isinstance(page, str):
        response = page(status)
    elif partial is None:
        response = answer(render_template(page, **context), status)
    else:
        response = render(page, partial, status=status, **context)
    response.headers.update(headers or {})
    return response


def after_post(
    url: str,
    partial: str | None = None,
    *,
    flashed: tuple[str, str] | None = None,
    in_place: bool = True,
    load: Callable[[], dict] | None = None,
    oob: tuple[str, ...] = (),
    title: str | None = None,
    **context,
) -> Response:
    """The end of a POST that worked: for a plain htmx request (unless `in_place` is False) `partial`
    swapped where the form aimed (None: the target emptied, only the `oob` partials sent); for any other
    request redirect_after_post(url).

    `flashed` (text, category) is flashed where it will show: on the page the redirect lands on, or in the
    fragment when that carries the flashes out-of-band (FLASHES in `oob`). `load()` gives context only the
    fragment needs, so a redirect does not load it.
    """
    fragment_wanted = in_place and wants_fragment()
    if flashed is not None and (not fragment_wanted or FLASHES in oob):
        flash(*flashed)
    if not fragment_wanted:
        return redirect_after_post(url)
    return fragment(partial, oob=oob, title=title, **context, **(load() if load else {}))
