"""Whether the server running a request can hold idle `/events` streams cheaply (SPEC S21).

A stream is an idle connection for as long as a tab is open. It costs a greenlet under gevent, a thread
under a thread-per-connection server (`flask run`), but a whole worker under gunicorn's `sync` worker
(killed after `--timeout`, and two tabs hang a two-worker site) and one thread of a fixed pool under its
`gthread` worker. Where streams are not cheap, push turns itself off: pages poll, `/events` answers 204.

What the servers put in the WSGI environ (read in gunicorn 27.0 and werkzeug 3.1): gunicorn's `sync` worker sets
`wsgi.multithread` False, `gthread` and `gevent` set it True, all three set `SERVER_SOFTWARE` to
"gunicorn/<version>" and pass `gunicorn.socket`; only the gevent worker monkey-patches the socket module
(`monkey.patch_all()` before the app is loaded). werkzeug's development server sets
`SERVER_SOFTWARE` "Werkzeug/<version>" and `wsgi.multithread` True when threaded (`flask run`'s default).
werkzeug's test client sets no `SERVER_SOFTWARE`: there is no server, the caller reads the stream itself.
"""

from __future__ import annotations

import sys


def gevent_patched() -> bool:
    """Whether gevent has monkey-patched the socket module in this process (without importing gevent)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("socket"))


def holds_idle_streams(environ: dict) -> bool:
    """Whether the server that passed `environ` can keep idle streams open without pinning a worker."""
    if gevent_patched():
        return True  # a stream is an idle greenlet
    software = environ.get("SERVER_SOFTWARE") or ""
    if software.lower().startswith("gunicorn") or "gunicorn.socket" in environ:
        return False  # sync: one request per worker; gthread: a fixed pool of threads
    if not software:
        return True  # no server (werkzeug's test client): the caller reads the stream in its own time
    return bool(environ.get("wsgi.multithread"))  # a thread per connection, or one request at a time


def server_name(environ: dict) -> str:
    """How the warning names the server: its SERVER_SOFTWARE and threading."""
    software = environ.get("SERVER_SOFTWARE") or "an unnamed WSGI server"
    return f"{software} ({'threaded' if environ.get('wsgi.multithread') else 'one request at a time'})"
