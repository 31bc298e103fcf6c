"""gunicorn settings for `make serve` (`--config python:microblog.push.gunicorn_conf`).

gevent workers: an open stream is an idle greenlet (~17 KiB), not a pinned worker or thread, so pages
stay fast with thousands of streams open (README "Live push", bench/README.md). On shutdown the open
streams are ended at once (the browsers reconnect to the next worker), so a graceful stop does not wait
out graceful_timeout on connections that never finish.
"""

import os
import threading
import time

worker_class = "gevent"
worker_connections = 10_000  # per worker: open streams + requests in flight
graceful_timeout = 15
# One request per connection, as a sync worker serves (bench/README.md "The page tail"). A gevent greenlet
# runs a keep-alive connection's next request without yielding when it has already arrived (a busy client
# answers faster than the worker finishes the last one), and a connection stays with the worker that
# accepted it: with 16 keep-alive page loads some connections waited seconds (p99 0.3-5 s, p50 15-50 ms).
# Closed after each answer, every request goes back through the listening socket's queue, which both
# workers take from in turn: the tail of sync workers. Polls come every 10 s and streams are one long
# answer each, so neither kept a connection alive anyway (the default keep-alive is 2 s).
keepalive = int(os.environ.get("KEEPALIVE_SECONDS", "0"))

# Requests other than /events that one worker runs at once. A gevent worker accepts every connection at
# once; without a gate, a burst of page requests checks out the whole database pool (5 + 10 overflow) and
# the ones that need a second connection (last_seen's own short transaction) wait on each other until the
# pool times out (30 s). 6 at a time need at most 12 of its 15 connections; the rest wait here, cheaply.
PAGE_CONCURRENCY = int(os.environ.get("PAGE_CONCURRENCY", "6"))


def on_own_stack(app, environ, start_response):
    """`app(environ, start_response)` in a greenlet of its own that ends with it (for `/events`).

    An open stream is its connection's greenlet, idle for hours, and each greenlet has its own chunk of
    Python frame memory (16 KiB, Python 3.11+) that stays as deep as the deepest call it ever made: Flask,
    Flask-Login and the database read of the stream's first answer left ~3 KiB more of it resident per
    stream. Run here, those frames go with this greenlet; the stream keeps only gunicorn's few frames and
    the generator's (bench/README.md "Memory per stream")."""
    import gevent

    return gevent.spawn(app, environ, start_response).get()


class PageGate:
    """WSGI middleware: at most `limit` requests at once, streams (`/events`) excepted."""

    def __init__(self, app, limit: int):
        self.app = app
        self.gate = threading.BoundedSemaphore(limit)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/events":
            return on_own_stack(self.app, environ, start_response)
        with self.gate:
            return self.app(environ, start_response)


def post_worker_init(worker):
    import gevent

    from microblog.bodies import BodyReader
    from microblog.push import close_all_streams

    # Bodies are read (with a deadline, microblog/bodies.py) *before* a page slot is taken: clients that
    # drip their bodies hold greenlets, never the gate (SPEC S22).
    app = worker.wsgi
    worker.wsgi = BodyReader(PageGate(app, PAGE_CONCURRENCY), app.config)
    # Each greenlet would keep who spawned it and the spawner's stack (a debugging aid): ~1 KiB per stream.
    gevent.config.track_greenlet_tree = False

    def end_streams_on_exit():
        while worker.alive:  # SIGTERM (handle_exit) and SIGQUIT clear it
            time.sleep(0.5)
        close_all_streams()

    threading.Thread(target=end_streams_on_exit, name="push-shutdown", daemon=True).start()
