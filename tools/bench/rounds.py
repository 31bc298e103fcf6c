"""The endpoints measured, one gunicorn signed in as user1 ready to measure them, and the interleaved rounds."""

from __future__ import annotations

import os

from tools.harness import wrk
from tools.harness.browser import HTMX, Browser
from tools.harness.server import PUSH_CONFIG, Server

from .data import PASSWORD, conversations_of_user1, list_state_of_user1, log, react_in_long_thread, unread_of_user1

# name, path, expected status (badge rows are sent as htmx sends them, with HX-Request: true)
ENDPOINTS = [
    ("healthz (floor)", "/healthz", 200),
    ("badge idle", "/notifications/badge?shown={count}", 204),
    ("badge news", "/notifications/badge?shown=-1", 200),
    ("badge idle, both counts", "/notifications/badge?shown={count}&activity=0", 204),
    ("activity", "/activity", 200),
    ("activity p3", "/activity?page=3", 200),
    ("notifications json", "/notifications?since={since}", 200),
    ("index", "/index", 200),
    ("explore", "/explore", 200),
    ("user page", "/user/user1", 200),
    ("conversations", "/messages", 200),
    ("conversations p40", "/messages?page={page40}", 200),
    ("thread (long)", "/messages/user2", 200),
    ("thread earlier (deep)", "/messages/user2?before={deep}", 200),
    ("thread poll idle", "/messages/user2?after={after}", 204),
    ("thread with reactions", "/messages/user2?before={reacted}", 200),
    ("conversations poll idle", "/messages?state={state}", 204),
    ("people picker", "/new_message?q=user", 200),
    ("message actions", "/messages/user2/{after}/actions", 200),
    ("search", "/search?q=htmx+poll", 200),
]


def headers_for(path: str) -> dict:
    """Polls, "earlier" loads, the people picker and a message's actions are sent as htmx sends them, with
    HX-Request: true."""
    htmx = (
        path.startswith(("/notifications/badge", "/new_message"))
        or "after=" in path
        or "before=" in path
        or "state=" in path
        or path.endswith("/actions")
    )
    return dict(HTMX) if htmx else {}


def median_round(results: list[dict]) -> dict:
    """The round with the median throughput (the lower middle one for an even count)."""
    ordered = sorted(results, key=lambda r: r["rps"])
    return dict(ordered[(len(ordered) - 1) // 2])


def serve(database_url: str, worker_class: str) -> Server:
    """2 gunicorn workers of `worker_class`, started: gevent as `make serve` runs them (its config, with the
    page gate and one request per connection), the others with gunicorn's defaults."""
    env = {"SECRET_KEY": os.environ["BENCH_SECRET_KEY"]} if os.environ.get("BENCH_SECRET_KEY") else {}
    # The pages are measured, not the rate limits' refusals: wrk sends hundreds of searches a second as one
    # user, far over the 60 a minute SPEC S22 allows (with limits on, the search rows timed 429 pages).
    env["RATELIMIT_ENABLED"] = "0"
    if worker_class == "gevent":
        return Server(database_url, 2, config=PUSH_CONFIG, args=("--log-level", "warning"), env=env).start()
    args = ["--log-level", "warning", "--worker-class", worker_class]
    if worker_class == "gthread":
        args += ["--threads", "4"]
    return Server(database_url, 2, config=None, args=tuple(args), env=env).start()


class Run:
    """One gunicorn (2 workers of one class) on one seeded database, signed in as user1, ready to measure."""

    def __init__(
        self,
        database_url: str,
        worker_class: str,
        per_page: int = 10,
        endpoints=None,
        facts: dict | None = None,
        headers=headers_for,
    ):
        """`endpoints` (name, path template, expected status): ENDPOINTS unless given; `facts`: more values for
        the path templates (bench/pages.py adds a short thread's partner and a post); `headers`: a path's
        request headers (bench/pages.py loads every page as a full page)."""
        endpoints = ENDPOINTS if endpoints is None else endpoints
        self.headers_for = headers
        _, since, self.inbox = unread_of_user1(database_url)
        self.facts = conversations_of_user1(database_url)
        self.reacted = react_in_long_thread(database_url, self.facts)
        self.page40 = min(40, max(1, -(-self.facts["conversations"] // per_page)))
        self.worker_class = worker_class
        self.server = serve(database_url, worker_class)
        try:
            browser = Browser(self.server.port, "user1")
            if not browser.sign_in(PASSWORD) or "session" not in browser.cookies:
                raise SystemExit("could not sign in as user1")
            self.cookie = f"session={browser.cookies['session']}"

            def probe(path: str) -> tuple[int, int]:
                """Status and body size of one request with the signed-in session."""
                answer = browser.request("probe", "GET", path, headers=self.headers_for(path))
                return answer.status, answer.size

            # Open the long conversation once first: it marks its newest messages read (a write, once), as a
            # real user would; after that, visits write nothing and the idle badge matches the stored count.
            probe("/messages/user2")
            count, _, _ = unread_of_user1(database_url)
            state = list_state_of_user1(database_url)  # after that read: the list as it now stands
            self.paths = []
            for name, template, expected in endpoints:
                path = template.format(
                    **(facts or {}),
                    count=count,
                    since=f"{since:.6f}",
                    page40=self.page40,
                    deep=self.facts["deep"],
                    after=self.facts["after"],
                    reacted=self.reacted,
                    state=state,
                )
                status, body = probe(path)
                if status != expected:
                    raise SystemExit(f"{name}: {path} answered {status}, expected {expected}")
                for _ in range(5):  # warm-up: templates compiled, statements cached, pages in the OS cache
                    probe(path)
                self.paths.append((name, path, status, body))
        except BaseException:
            self.server.stop()
            raise
        self.measured: dict[str, list[dict]] = {name: [] for name, *_ in self.paths}

    def measure(self, index: int, duration: float, connections: int, label: str) -> None:
        """One round of the index-th endpoint."""
        name, path, _, _ = self.paths[index]
        result = wrk.run(
            self.server.base + path, {"Cookie": self.cookie, **self.headers_for(path)}, duration, connections
        )
        if result["bad_status"]:
            raise SystemExit(f"{name}: {result['bad_status']} of {result['requests']} answers were errors ({path})")
        self.measured[name].append(result)
        log(
            f"    {label} {name:20} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
            f"p99 {result['p99_ms']:7.2f} ms"
        )

    def finish(self) -> dict:
        """Each endpoint's median round, its ratio to the floor's, the workers' memory; stops gunicorn."""
        try:
            rss = self.server.worker_rss_mb()
        finally:
            self.server.stop()
        rows = []
        for name, path, status, body in self.paths:
            row = median_round(self.measured[name])
            row.update(
                {
                    "endpoint": name,
                    "path": path,
                    "status": status,
                    "body_bytes": body,
                    "rounds_rps": [r["rps"] for r in self.measured[name]],
                }
            )
            rows.append(row)
        floor = rows[0]["rps"] or 1
        for r in rows:
            r["ratio"] = round(r["rps"] / floor, 3)
        return {
            "worker_class": self.worker_class,
            "endpoints": rows,
            "workers": rss,
            "peak_worker_rss_mb": max((w["peak_mb"] for w in rss.values()), default=None),
            "user1_inbox": self.inbox,
            "page40_used": self.page40,
        }


def measure_in_rounds(runs: list[tuple[str, Run]], rounds: int, duration: float, connections: int) -> None:
    """Rounds over every endpoint, floor included, each endpoint on every run in turn.

    A burst of load from a neighbour then lands on one round of a few measurements instead of on all of
    one endpoint's time, and the data sizes of one endpoint are measured side by side in time, which is
    what the 1k -> 1M comparison needs. Each row of the table is its median round.
    """
    for round_number in range(rounds):
        for index in range(len(runs[0][1].paths)):
            for tag, run in runs:
                run.measure(index, duration, connections, f"round {round_number + 1}/{rounds} {tag:>10}")
