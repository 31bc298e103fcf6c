"""CPU per request of each kind a tab sends, through the app's whole WSGI stack as gunicorn calls it
(`make serve`'s middleware, no HTTP client or server), on the seeded tabs database (bench/README.md "Tabs").

    .venv/bin/python -m tools.bench.request_cpu [--repeat 3000] [--only REGEX] [--profile KIND]

Kinds: `healthz` (the floor), `badge idle` (the page's own hx-vals: 204), `badge news` (a stale `shown`:
200 with the badge), `stream` (/events opened, its first event read, closed), `page` (/index). Signed in
by a forged session cookie (as the bench's tabs are), SQLite, production settings, the badge memo on. Each
figure is the median of `--repeat` calls' process CPU time (time.process_time: the neighbours' load does
not count), interleaved over the kinds. `--profile KIND` prints cProfile's top functions for that kind.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time

KINDS = {
    # name: (path, headers); {vals} is the badge's hx-vals as the page renders them
    "healthz": ("/healthz", {}),
    "badge idle": ("/notifications/badge?{vals}", {"HX-Request": "true"}),
    "badge news": ("/notifications/badge?{stale}", {"HX-Request": "true"}),
    "stream": ("/events", {"Accept": "text/event-stream"}),
    "page": ("/index", {}),
}


class Stack:
    """The app wrapped as gunicorn_conf.post_worker_init wraps it, called with raw WSGI environs."""

    def __init__(self, database: str):
        from bench.streams import session_cookies
        from bench.tabs import seeded_users

        os.environ.update(
            MICROBLOG_ENV="production",
            SECRET_KEY="request-cpu-" + "x" * 40,
            PUBLIC_URL="http://localhost",
            SESSION_COOKIE_SECURE="0",
            DATABASE_URL="sqlite:///" + database,
            RATELIMIT_ENABLED="0",
        )
        from microblog import create_app
        from microblog.bodies import BodyReader
        from microblog.push.gunicorn_conf import PageGate

        self.app = create_app()
        self.wsgi = BodyReader(PageGate(self.app, 6), self.app.config)
        users = seeded_users("sqlite:///" + database, 1)
        self.cookie = session_cookies(os.environ["SECRET_KEY"], users)[users[0][1]]
        from bench.tab import parse_badge

        status, body = self.call("/index", {})
        badge = parse_badge(body)
        self.vals = "&".join(f"{k}={v}" for k, v in badge.vals.items())
        self.stale = re.sub(r"shown=\d+", "shown=999999", self.vals)

    def environ(self, path: str, headers: dict) -> dict:
        path, _, query = path.partition("?")
        env = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "RAW_URI": path + ("?" + query if query else ""),
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "40000",
            "HTTP_HOST": "localhost",
            "HTTP_COOKIE": f"session={self.cookie}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            env["HTTP_" + name.upper().replace("-", "_")] = value
        return env

    def call(self, path: str, headers: dict) -> tuple[str, str]:
        got = {}

        def start_response(status, response_headers, exc_info=None):
            got["status"] = status

        body = self.wsgi(self.environ(path, headers), start_response)
        try:
            if path == "/events":
                chunk = next(iter(body))  # the state sent on connect; the stream then waits
            else:
                chunk = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        return got["status"], chunk.decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3000)
    parser.add_argument("--only", help="a regular expression over the kinds")
    parser.add_argument("--profile", help="cProfile this kind instead")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    from tools.bench.data import sqlite_database
    from bench.tabs import SEED

    url, _ = sqlite_database(1000, SEED["posts"], SEED["messages"])
    folder = tempfile.mkdtemp(prefix="request-cpu-")
    database = os.path.join(folder, "tabs.db")
    shutil.copyfile(url.removeprefix("sqlite:///"), database)
    stack = Stack(database)
    kinds = [k for k in KINDS if not args.only or re.search(args.only, k)]
    paths = {k: (KINDS[k][0].format(vals=stack.vals, stale=stack.stale), KINDS[k][1]) for k in kinds}
    shapes = {k: stack.call(*paths[k]) for k in kinds for _ in range(20)}
    if args.profile:
        path, headers = paths[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.repeat):
            stack.call(path, headers)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return 0
    cpu = {k: [] for k in kinds}
    for _ in range(args.repeat):
        for k in kinds:
            started = time.process_time()
            stack.call(*paths[k])
            cpu[k].append((time.process_time() - started) * 1e6)
    floor = statistics.median(cpu["healthz"]) if "healthz" in cpu else None
    print("| request | status | CPU us (median) | x healthz |")
    print("| --- | --- | --- | --- |")
    figures = {}
    for k in kinds:
        us = statistics.median(cpu[k])
        figures[k] = round(us, 1)
        ratio = f"{floor / us:.2f}" if floor else "-"
        print(f"| {k} | {shapes[k][0]} | {us:.0f} | {ratio} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"repeat": args.repeat, "cpu_us": figures}, f, indent=1)
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
