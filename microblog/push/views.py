"""GET /events: the signed-in user's server-sent-events stream (README, "Live push")."""

from __future__ import annotations

import logging
import random

from flask import Blueprint, Flask, Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.session import session_user
from ..errors import error_response
from ..extensions import db
from ..htmx import is_current
from ..notifications.badge import counts_tag, shown_tag
from ..unread.loader import badge_state
from . import streams_here
from .hub import MESSAGE, SESSION, SHUTDOWN, STATE, Subscription

log = logging.getLogger(__name__)

bp = Blueprint("push", __name__)

HEADERS = {
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",  # nginx (and proxies that honour it): pass each event on at once
}
CLOSE = "event: close\ndata: session ended\n\n"  # the page's sse-close="close": the browser stops reconnecting


def frame(name: str) -> str:
    """One SSE event. Its data is only its name: SSE drops an event with no data, and we send no more."""
    return f"event: {name}\ndata: {name}\n\n"


def _session_alive(app: Flask, user_id: int, session_token: str) -> bool:
    """Whether the stream's session is still valid; True when the database cannot say (an outage)."""
    try:
        with app.app_context():
            return badge_state(user_id, session_token) is not None
    except Exception:  # noqa: BLE001 - an outage must not end streams; the check runs again next heartbeat
        log.info("session check failed; keeping the stream", exc_info=True)
        return True


def _stream(app: Flask, sub: Subscription, session_token: str, state: tuple[str, ...]):
    """The events of one stream: state first, then what wakes it, heartbeats between, close at the end."""
    push = app.extensions["push"]
    # Spread over 0.75-1.25x the setting (15-25 s by default), so streams opened together do not beat together.
    heartbeat = app.config["SSE_HEARTBEAT_SECONDS"] * random.uniform(0.75, 1.25)
    try:
        # The browser reconnects `retry` ms after a dropped stream; every (re)connect starts with state.
        yield (f"retry: {app.config['SSE_RETRY_MS']}\n" + "".join(frame(n) for n in state)).encode()
        while True:
            names = sub.wait(heartbeat)
            if SHUTDOWN in names:
                return  # no close event: the browser reconnects, to another worker or the restarted one
            # Only a `session` event (a token changed, or the fan-out reconnected) costs a query.
            if SESSION in names and not _session_alive(app, sub.user_id, session_token):
                yield CLOSE.encode()
                return
            out = "".join(frame(n) for n in STATE if n in names)
            yield (out or ": heartbeat\n\n").encode()
    finally:
        push.hub.unsubscribe(sub)


class StreamBody:
    """The WSGI body of a stream. Iterating it is iterating its generator, with no wrapper in between: an
    idle stream is a suspended greenlet, and every iterator level between the server and the generator is
    kept on its saved C stack (bench/README.md "Memory per stream"). close() leaves the hub even when the
    server closes the stream before it started (a generator never started runs no `finally`)."""

    __slots__ = ("events", "done")

    def __init__(self, events, done):
        self.events, self.done = events, done

    def __iter__(self):
        return self.events

    def close(self) -> None:
        try:
            self.events.close()
        finally:
            self.done()


@bp.get("/events")
def events():
    """text/event-stream: `unread` and `message` events for the signed-in user; `close` when signed out;
    503 with Retry-After over the caps; 204 when push is off or the server cannot hold streams.

    `shown` is the count the page rendered: the state sent on connect includes `unread` only when the count
    differs from it (a page that just loaded does not refetch its fresh badge; a reconnect after missed
    news does)."""
    cfg = current_app.config
    push = current_app.extensions["push"]
    if not streams_here() or not push.available:  # off, or a server where a stream would pin a worker
        return Response(status=204, headers={"Cache-Control": "no-store"})
    if "text/event-stream" not in request.headers.get("Accept", ""):
        return error_response(406, _("This address serves an event stream (Accept: text/event-stream)."))
    # The cap is taken before the user is loaded (SPEC S22): thousands of connects from one account are
    # refused without a query. The session names the user; badge_state() below checks its token.
    signed_in = session_user()
    if signed_in is None:  # e.g. only a remember-me cookie: let Flask-Login load the user
        if not current_user.is_authenticated:
            return Response(CLOSE, mimetype="text/event-stream", headers=HEADERS)
        signed_in = current_user.id, current_user.session_token
    user_id, session_token = signed_in
    push.ensure_started()
    sub = push.hub.subscribe(user_id, cfg["SSE_MAX_STREAMS_PER_USER"], cfg["SSE_MAX_STREAMS"])
    if sub is None:
        return error_response(
            503,
            _("Too many live connections; the page keeps refreshing every few seconds."),
            headers={"Retry-After": str(cfg["SSE_RETRY_AFTER_SECONDS"])},
        )
    # Hand back the connection that loaded the user first: on PostgreSQL badge_state() checks out its own
    # (autocommit), and a request that holds two pooled connections can starve the pool under a burst.
    db.session.remove()
    try:
        # Read after subscribing: a change committed from here on wakes the stream, one before is counted.
        # The badge poll's memo answers when it can for certain (push/memo.py): the same rule, no query.
        count = push.remembered(user_id, session_token, lambda: badge_state(user_id, session_token))
    except BaseException:
        push.hub.unsubscribe(sub)
        raise
    if count is None:  # signed out meanwhile
        push.hub.unsubscribe(sub)
        return Response(CLOSE, mimetype="text/event-stream", headers=HEADERS)
    # Both navbar counts as the page showed them, by the badge poll's own rule (activity: absent from older
    # pages, then not compared): a badge that shows them is not told to refetch.
    state = (MESSAGE,) if is_current(counts_tag(count), shown_tag()) else STATE
    db.session.remove()  # a stream holds no database connection
    app = current_app._get_current_object()
    body = StreamBody(_stream(app, sub, session_token, state), lambda: push.hub.unsubscribe(sub))
    # direct_passthrough: the server iterates the generator itself (bytes), with no encoding generator between.
    return Response(body, mimetype="text/event-stream", headers=HEADERS, direct_passthrough=True)
