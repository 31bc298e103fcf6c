"""Pages timed in-process (Flask's test client, no gunicorn, no wrk) on seeded SQLite copies, side by side.

    .venv/bin/python -m tools.bench.inprocess bench/data/a.db bench/data/b.db [--repeat 200] [--profile PATH]

Each database must be a copy of a `flask seed` file (bench/README.md), migrated to the code's schema: it is
written to (user1 opens the long thread once, and reactions are added as `make bench` adds them). For every
page: the median CPU time of `--repeat` renders (this process's CPU, `time.process_time`: on a machine shared
with other work, wall time measures the neighbours too), the median wall time, its bytes and its SQL
statements. Renders are interleaved over pages and databases (a neighbour's burst lands on a few renders of
every page, not on one page). `--profile PATH` prints cProfile's top functions for that page on the first
database instead; `--json FILE` writes the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import time

import sqlalchemy as sa

from tools.harness.browser import csrf_token

from .data import PASSWORD, conversations_of_user1, react_in_long_thread

HTMX = {"HX-Request": "true"}
PAGES = [
    # name, path (formatted with the run's facts), htmx
    ("healthz (floor)", "/healthz", False),
    ("badge idle", "/notifications/badge?shown={shown}&activity={activity}", True),
    ("index", "/index", False),
    ("explore", "/explore", False),
    ("user page", "/user/user1", False),
    ("activity", "/activity", False),
    ("search", "/search?q=htmx+poll", False),
    ("settings", "/settings/profile", False),
    ("conversations", "/messages", False),
    ("conversations poll idle", "/messages?state={state}", True),
    ("thread (long)", "/messages/user2", False),
    ("thread with reactions", "/messages/user2?before={reacted}", True),
    ("thread earlier (deep)", "/messages/user2?before={deep}", True),
    ("thread poll idle", "/messages/user2?after={after}&v={version}", True),
    ("people picker", "/new_message?q=user", True),
    ("new message", "/new_message", False),
]


class Site:
    """One app on one seeded SQLite file, signed in as user1, counting its SQL statements."""

    def __init__(self, path: str):
        url = "sqlite:///" + os.path.abspath(path)
        self.facts = conversations_of_user1(url)
        self.facts["reacted"] = react_in_long_thread(url, self.facts)
        os.environ.update(
            MICROBLOG_ENV="production",
            SECRET_KEY="in-process-timing-" + "x" * 40,
            PUBLIC_URL="http://localhost",
            SESSION_COOKIE_SECURE="0",
            DATABASE_URL=url,
        )
        from microblog import create_app
        from microblog.extensions import db

        self.app = create_app({"RATELIMIT_ENABLED": False})
        self.statements = 0
        with self.app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._count)
        self.client = self.app.test_client()
        form = self.client.get("/auth/login")
        token = csrf_token(form.get_data(as_text=True))
        done = self.client.post("/auth/login", data={"csrf_token": token, "username": "user1", "password": PASSWORD})
        assert done.status_code == 303, done.status_code
        self.client.get("/messages/user2")  # opens the long thread once (marks it read), as `make bench` does
        self.facts["state"] = self._attribute("/messages", "conversation-list-poller", "state")
        self.facts["version"] = self._attribute("/messages/user2", "thread-poller", "v")
        badge = json.loads(self._tag("/index", "message-count").split("hx-vals='")[1].split("'")[0])
        self.facts.update(shown=badge["shown"], activity=badge["activity"])
        self.paths = [(name, path.format(**self.facts), htmx) for name, path, htmx in PAGES]

    def _count(self, *args) -> None:
        self.statements += 1

    def _tag(self, path: str, element_id: str) -> str:
        html = self.client.get(path).get_data(as_text=True)
        tag = re.search(rf'<[^>]*id="{element_id}"[^>]*>', html)
        return tag.group(0) if tag else ""

    def _attribute(self, path: str, element_id: str, name: str) -> str:
        found = re.search(rf"[?&;]{name}=([0-9]+)", self._tag(path, element_id))
        return found.group(1) if found else "0"

    def get(self, path: str, htmx: bool):
        return self.client.get(path, headers=HTMX if htmx else {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("databases", nargs="+")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile")
    parser.add_argument("--only", help="a regular expression over page names")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    sites = [Site(path) for path in args.databases]
    if args.profile:
        site = sites[0]
        for _ in range(20):
            site.get(args.profile, False)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.repeat):
            site.get(args.profile, "before=" in args.profile or "q=" in args.profile)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return
    pages = [i for i, (name, _, _) in enumerate(PAGES) if not args.only or re.search(args.only, name)]
    times = {(s, i): [] for s in range(len(sites)) for i in pages}
    cpu = {(s, i): [] for s in range(len(sites)) for i in pages}
    shape = {}
    for s, site in enumerate(sites):
        for i in pages:
            name, path, htmx = site.paths[i]
            for _ in range(5):
                site.get(path, htmx)
            site.statements = 0
            answer = site.get(path, htmx)
            shape[(s, i)] = (answer.status_code, len(answer.get_data()), site.statements)
    for _ in range(args.repeat):
        for i in pages:
            for s, site in enumerate(sites):
                _, path, htmx = site.paths[i]
                started, started_cpu = time.perf_counter(), time.process_time()
                site.get(path, htmx)
                cpu[(s, i)].append((time.process_time() - started_cpu) * 1000)
                times[(s, i)].append((time.perf_counter() - started) * 1000)
    names = [os.path.basename(p) for p in args.databases]
    print("| page | " + " | ".join(f"{n}: CPU ms (wall ms), bytes, statements" for n in names) + " |")
    print("| --- " * (len(sites) + 1) + "|")
    figures = []
    for i in pages:
        cells = []
        for s in range(len(sites)):
            status, size, statements = shape[(s, i)]
            row = {
                "page": PAGES[i][0],
                "database": names[s],
                "path": sites[s].paths[i][1],
                "status": status,
                "bytes": size,
                "statements": statements,
                "cpu_ms": round(statistics.median(cpu[(s, i)]), 3),
                "wall_ms": round(statistics.median(times[(s, i)]), 3),
            }
            figures.append(row)
            cells.append(f"{row['cpu_ms']:.2f} ({row['wall_ms']:.2f}), {size:,} B, {statements} q")
        print(f"| {PAGES[i][0]} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"repeat": args.repeat, "pages": figures}, f, indent=1)


if __name__ == "__main__":
    main()
