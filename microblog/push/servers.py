"""Whether the server running a request can hold idle `/events` streams cheaply (SPEC S21).

A stream is an idle connection for as long as a tab is open. It costs a greenlet under gevent, a thread
under a thread-per-connection server (`flask run`), but a whole worker under gunicorn's `sync` worker
(killed after `--timeout`, and two tabs hang a two-worker site) and one thread of a fixed pool under its
`gthread` worker. Where streams are not cheap, push turns itself off: pages poll, `/events` answers 204.

What the servers put in the WSGI environ (read in gunicorn 27.0 and werkzeug 3.1): gunicorn's `sync` worker sets
`wsgi.multithread` False, `gthread` and `gevent` set it True, all three set `SERVER_SOFTWARE` to
"gunicorn/<version>" and pass `gunicorn.socket`; only the gevent worker monkey-patches the socket module
(`monkey.patch_all()` before the app is loaded). uWSGI sets no `SERVER_SOFTWARE` but `uwsgi.version`, and
runs processes with a fixed number of threads, as gunicorn does. werkzeug's development server sets
`SERVER_SOFTWARE` "Werkzeug/<version>" and `wsgi.multithread` True when threaded (`flask run`'s default).
werkzeug's test client sets no `SERVER_SOFTWARE` and `wsgi.multithread` False: there is no server, the test
reads the stream itself, so an app in TESTING mode treats it as holding streams.
"""

from __future__ import annotations

import sys


def gevent_patched() -> bool:
    """Whether gevent has monkey-patched the socket module in this process (without importing gevent)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("socket"))


def holds_idle_streams(environ: dict, testing: bool = False) -> bool:
    """Whether the server that passed `environ` can keep idle streams open without pinning a worker.
    `testing`: the app's TESTING (then a request with no SERVER_SOFTWARE comes from the test client)."""
    if gevent_patched():
        return True  # a stream is an idle greenlet
    software = environ.get("SERVER_SOFTWARE") or ""
    if software.lower().startswith("gunicorn") or "gunicorn.socket" in environ or "uwsgi.version" in environ:
        return False  # workers with one request each, or a fixed pool of threads: a stream pins one
    if not software and testing:
        return True  # werkzeug's test client: no server, the test reads the stream in its own time
    return bool(environ.get("wsgi.multithread"))  # a thread per connection, or one request at a time


def server_name(environ: dict) -> str:
    """How the warning names the server: its SERVER_SOFTWARE and threading."""
    software = environ.get("SERVER_SOFTWARE") or "an unnamed WSGI server"
    return f"{software} ({'threaded' if environ.get('wsgi.multithread') else 'one request at a time'})"
