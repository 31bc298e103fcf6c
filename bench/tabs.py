"""Benchmark of live tabs (`make bench-tabs`, bench/README.md "Tabs"): N browser tabs over M users on 2
gevent workers (`make serve`'s config), each holding its page's stream, polling its badge, loading a page
every ~minute, some users sending messages; for each N in --tabs, on SQLite (and PostgreSQL with
BENCH_DATABASE_URL).

Reports event p50/p99 (a send's answer -> each of the recipient's tabs' `unread` event), poll, page and send
p99, KiB per stream (workers' RSS delta / N), errors, and the CPU of the server and of the load generator
apart. The tabs run in --processes asyncio processes (bench/tabs_client.py); sessions are signed with the
server's SECRET_KEY (M sign-ins would measure password hashing).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tools.bench.data import log, seed, sqlite_database
from tools.harness import databases
from tools.harness.databases import psycopg_url
from tools.harness.report import markdown_table, percentile as pct, write_results
from tools.harness.server import Server

from . import tabs_client
from .streams import session_cookies

TARGETS = {"event_p99_ms": 250, "poll_p99_ms": 100, "page_p99_ms": 250, "kib_per_stream": 20, "errors": 0}
SEED = {"posts": 10_000, "messages": 10_000}


class Control:
    """The parent's side and a child's side of one client process's two queues."""

    def __init__(self, ctx):
        self.up, self.down = ctx.Queue(), ctx.Queue()

    def put(self, item) -> None:  # child -> parent
        self.up.put(item)

    def get_go(self) -> float:  # parent -> child: the window's length
        return self.down.get()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def split(users: list[str], tabs: int, processes: int) -> list[dict[str, int]]:
    """`tabs` tabs over the users (as even as it goes), users dealt round-robin to the processes."""
    per = [tabs // len(users) + (1 if i < tabs % len(users) else 0) for i in range(len(users))]
    parts: list[dict[str, int]] = [{} for _ in range(processes)]
    for i, (user, n) in enumerate(zip(users, per)):
        if n:
            parts[i % processes][user] = n
    return parts


def measure(server: Server, users, tabs: int, args) -> dict:
    names = [name for _, name, _ in users]
    cookies = session_cookies(server.secret, users)
    senders = set(random.Random(tabs).sample(names, max(1, int(len(names) * args.senders))))
    ctx = multiprocessing.get_context("fork")
    opts = {
        "page_seconds": args.page_seconds,
        "send_seconds": args.send_seconds,
        "open_per_second": args.open_per_second / args.processes,
    }
    procs, controls = [], []
    for part in split(names, tabs, args.processes):
        control = Control(ctx)
        mine = {u: cookies[u] for u in part}
        proc = ctx.Process(target=tabs_client.run, args=(server.port, mine, part, senders & set(part), opts, control))
        proc.start()
        procs.append(proc)
        controls.append(control)
    for control in controls:  # each user's first page loaded (templates warm, each worker's pool full)
        kind, value = control.up.get(timeout=300)
        if kind != "paged":
            raise SystemExit(f"a client failed: {value}")
    rss_before = server.rss_kib()
    for control in controls:
        control.down.put(0)
    started = time.monotonic()
    opened = 0
    for control in controls:
        kind, value = control.up.get(timeout=300)
        if kind != "opened":
            raise SystemExit(f"a client failed: {value}")
        opened += value
    open_seconds = time.monotonic() - started
    time.sleep(2)
    rss_after = server.rss_kib()
    pids = [server.process.pid, *server.worker_pids()]
    server_cpu, wall = cpu_seconds(pids), time.monotonic()
    for control in controls:
        control.down.put(args.seconds)
    parts = []
    for control in controls:
        kind, value = control.up.get(timeout=args.seconds + 120)
        parts.append(value)
    wall = time.monotonic() - wall
    server_cpu = cpu_seconds(pids) - server_cpu
    for proc in procs:
        proc.join(30)
    merged = {k: [x for p in parts for x in p[k]] for k in ("polls", "pages", "sends", "events")}
    errors: dict[str, int] = {}
    for p in parts:
        for k, v in p["errors"].items():
            errors[k] = errors.get(k, 0) + v
    missing = sum(p["events_missing"] for p in parts)
    by_page = sum(p["events_by_page"] for p in parts)
    return {
        "tabs": tabs,
        "users": len(names),
        "streams_opened": opened,
        "open_seconds": round(open_seconds, 1),
        "kib_per_stream": round((rss_after - rss_before) / max(1, opened), 1),
        "rss_mib_before": round(rss_before / 1024, 1),
        "rss_mib_after": round(rss_after / 1024, 1),
        "window_seconds": round(wall, 1),
        "polls_per_second": round(len(merged["polls"]) / wall, 1),
        "pages_per_second": round(len(merged["pages"]) / wall, 1),
        "sends": len(merged["sends"]),
        "events": len(merged["events"]),
        "events_missing": missing,
        "events_by_page": by_page,
        "event_p50_ms": round(pct(merged["events"], 0.5), 1),
        "event_p99_ms": round(pct(merged["events"], 0.99), 1),
        "poll_p50_ms": round(pct(merged["polls"], 0.5), 1),
        "poll_p99_ms": round(pct(merged["polls"], 0.99), 1),
        "page_p50_ms": round(pct(merged["pages"], 0.5), 1),
        "page_p99_ms": round(pct(merged["pages"], 0.99), 1),
        "send_p99_ms": round(pct(merged["sends"], 0.99), 1),
        "errors": sum(errors.values()) + missing,
        "error_kinds": errors,
        "server_cores": round(server_cpu / wall, 2),
        "client_cores": round(sum(p["cpu_seconds"] for p in parts) / wall, 2),
    }


def seeded_users(database_url: str, count: int) -> list[tuple[int, str, str]]:
    """(id, username, session token) of user1..user<count> of the seeded database."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text('SELECT id, username, session_token FROM "user" WHERE id <= :n ORDER BY id'), {"n": count}
            ).all()
    finally:
        engine.dispose()
    return [tuple(r) for r in rows]


def run(database_url: str, args) -> list[dict]:
    """One server per N (fresh workers, so each N's memory is its own), on one seeded database."""
    results = []
    for tabs in args.tabs:
        env = {
            "RATELIMIT_ENABLED": "0",  # a sender's pace is the bench's, not the per-user limit's
            "SSE_MAX_STREAMS": str(tabs + 1000),  # the caps, raised as `make serve`'s environment allows
            "SSE_MAX_STREAMS_PER_USER": str(-(-tabs // args.users) + 5),
            **dict(kv.split("=", 1) for kv in args.env),
        }
        logdir = Path(args.log_dir) if args.log_dir else None  # gunicorn's log kept there (else deleted)
        if logdir:
            logdir.mkdir(parents=True, exist_ok=True)
        server = Server(database_url, args.workers, env=env, args=("--log-level", "warning"), logdir=logdir)
        server.start()
        try:
            log(f"  {tabs:,} tabs over {args.users:,} users, {args.processes} client processes")
            result = measure(server, seeded_users(database_url, args.users), tabs, args)
        finally:
            server.stop(30)
        log(f"  {result}")
        results.append(result)
    return results


ROWS = [
    ("streams open", lambda r: f"{r['streams_opened']:,} / {r['tabs']:,} in {r['open_seconds']} s"),
    ("memory per stream (KiB)", lambda r: f"{r['kib_per_stream']}"),
    ("workers' RSS before -> after (MiB)", lambda r: f"{r['rss_mib_before']} -> {r['rss_mib_after']}"),
    ("polls / pages per second", lambda r: f"{r['polls_per_second']:,} / {r['pages_per_second']:,}"),
    ("event p50 / p99 (ms)", lambda r: f"{r['event_p50_ms']} / {r['event_p99_ms']}"),
    (
        "events timed (sends)",
        lambda r: f"{r['events']:,} ({r['sends']:,}; {r.get('events_by_page', 0)} by a page load)",
    ),
    ("poll p50 / p99 (ms)", lambda r: f"{r['poll_p50_ms']} / {r['poll_p99_ms']}"),
    ("page p50 / p99 (ms)", lambda r: f"{r['page_p50_ms']} / {r['page_p99_ms']}"),
    ("send p99 (ms)", lambda r: f"{r['send_p99_ms']}"),
    ("errors (events missing included)", lambda r: f"{r['errors']}"),
    ("server CPU (cores)", lambda r: f"{r['server_cores']}"),
    ("load generator CPU (cores)", lambda r: f"{r['client_cores']}"),
]


def report(results: dict[str, list[dict]]) -> str:
    """One column per database and N; the targets as PASS/FAIL lines."""
    columns = [(db, r) for db, rows in results.items() for r in rows]
    head = ["measure", *(f"{db} {r['tabs']:,} tabs" for db, r in columns)]
    lines = markdown_table(head, [[title, *(fmt(r) for _, r in columns)] for title, fmt in ROWS])
    for db, r in columns:
        for key, limit in TARGETS.items():
            ok = r[key] <= limit if key != "errors" else r[key] == 0
            lines.append(f"{'PASS' if ok else 'FAIL'} {db} {r['tabs']:,} tabs: {key} {r[key]} (<= {limit})")
        if r["error_kinds"]:
            lines.append(f"     {db} {r['tabs']:,} tabs: errors {r['error_kinds']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tabs",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1000, 5000, 10000],
        help="comma-separated tab counts, one run each (default 1000,5000,10000)",
    )
    parser.add_argument("--users", type=int, default=1000, help="the tabs' users (seeded by flask seed)")
    parser.add_argument("--seconds", type=float, default=60, help="the measured window per N")
    parser.add_argument("--page-seconds", type=float, default=60, help="each tab loads a page every ~this")
    parser.add_argument("--senders", type=float, default=0.1, help="share of users who send")
    parser.add_argument("--send-seconds", type=float, default=20, help="each sender sends every ~this")
    parser.add_argument("--open-per-second", type=float, default=500, help="streams opened per second")
    parser.add_argument("--processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server (repeatable)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--log-dir", help="keep gunicorn's log (warnings and errors) in this directory")
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # gunicorn inherits it: 10,000 streams
    results = {}
    if args.only in (None, "sqlite"):
        url, _ = sqlite_database(args.users, SEED["posts"], SEED["messages"])
        results["sqlite"] = run(url, args)
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    if args.only in (None, "postgresql"):
        if admin_url:  # "<its name>_tabs" is dropped and re-created: give BENCH_DATABASE_URL a name of its own
            admin_url = psycopg_url(admin_url)
            url = databases.create(admin_url, databases.database_name(admin_url) + "_tabs", replace=True)
            log("  seeding PostgreSQL ...")
            seed(url, args.users, SEED["posts"], SEED["messages"])
            results["postgresql"] = run(url, args)
        else:
            print("BENCH_DATABASE_URL not set: PostgreSQL skipped", file=sys.stderr)
    text = report(results)
    print(text)
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.gmtime())
    write_results(f"{stamp}-tabs", {"args": {**vars(args)}, "results": results}, text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
