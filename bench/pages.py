"""`make bench-pages`: every page a signed-in user opens, as a share of the /healthz floor (issue 27).

    python -m bench.pages [--size full|small] [--duration S] [--rounds N] [--connections N] [--repeat N]

For each message count of the size (full: 10,000 users, 200,000 posts, 1k and 1M messages; small: 2,000 users,
20,000 posts, 1k and 100k), a fresh copy of the seeded SQLite file (the same files as `make bench`) is served by
gunicorn with 2 sync workers; signed in as user1, every page is measured with wrk in interleaved rounds beside
/healthz (each row is its median round). Then each page is rendered in this process through Flask's test
client on the same data (tools/bench/inprocess.py): its SQL statements and the median CPU time of a render.
Prints one table, the targets as PASS/FAIL lines, and writes bench/results/<date>-pages.{json,md}. A page below
the target is profiled too (PROFILE lines): in this process on the same data, a sampling profiler charges its CPU
to the files of the app on the stack (bench/feature_probe.py), with where bench/README.md says why it misses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import sqlalchemy as sa

from tools.bench.data import SIZES, log, sqlite_database
from tools.bench.rounds import Run, measure_in_rounds
from tools.harness import ROOT, wrk
from tools.bench.short_thread import short_thread
from tools.harness.report import markdown_table, provenance, text_table, write_results

TARGET = 0.2  # every page at least this share of the floor's req/s
FLAT = 0.10  # and its share changes by at most this from the smallest to the largest message count
PROFILE_SECONDS = 3.0  # CPU seconds of renders sampled for a page below the target (~800 samples)
# Where bench/README.md explains a page that misses the target (its measured reason); a page below the target
# that is not here is a new miss: its profile is the place to start.
WHY = {"search": "bench/README.md, \"Why search misses\": FTS5's bm25 walks each word's posts on every query"}

# name, path template (values from tools/bench/rounds.py's facts and `page_facts`), expected status
PAGES = [
    ("healthz (floor)", "/healthz", 200),
    ("index", "/index", 200),
    ("explore", "/explore", 200),
    ("user page", "/user/user1", 200),
    ("post page", "/post/{post}", 200),
    ("activity", "/activity", 200),
    ("search", "/search?q=htmx+poll", 200),
    ("conversations", "/messages", 200),
    ("thread (short)", "/messages/{short}", 200),
    ("thread (long)", "/messages/user2", 200),
    ("new message", "/new_message", 200),
    ("settings", "/settings/profile", 200),
]


def page_facts(database_url: str) -> dict:
    """The newest post (its page) and the partner of a short thread of the same length at every size
    (tools/bench/short_thread.py writes it)."""
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        post = conn.execute(sa.text("SELECT MAX(id) FROM post")).scalar()
    engine.dispose()
    return {"post": post, "short": short_thread(database_url)}


def in_process(
    database_url: str, paths: list[tuple[str, str, int, int]], repeat: int, profiled: set[str] = frozenset()
) -> dict[str, dict]:
    """Each page rendered in this process on the same data: SQL statements and the median CPU ms of a render;
    for the pages named in `profiled`, where that CPU goes (`where_time_goes`)."""
    from tools.bench.inprocess import Site

    site = Site(database_url.removeprefix("sqlite:///"))
    figures = {}
    for name, path, _, _ in paths:
        headers = {}  # every page loaded as a page, not as a fragment
        for _ in range(5):
            site.client.get(path, headers=headers)
        site.statements = 0
        site.client.get(path, headers=headers)
        statements = site.statements
        cpu = []
        for _ in range(repeat):
            started = time.process_time()
            site.client.get(path, headers=headers)
            cpu.append((time.process_time() - started) * 1000)
        figures[name] = {"statements": statements, "cpu_ms": round(statistics.median(cpu), 3)}
        if name in profiled:
            figures[name]["profile"] = where_time_goes(site, path)
    return figures


def where_time_goes(site, path: str, seconds: float = PROFILE_SECONDS) -> dict:
    """`path`'s CPU by file of the app (ms a render, the largest first), sampled over PROFILE_SECONDS of renders:
    each sample is charged to the innermost frame of the app on the stack, so SQL lands on the module that ran it
    and Jinja's runtime on the template (bench/feature_map.py); "" is outside the app (Flask, Werkzeug)."""
    from .features import profile_page  # bench.features imports this module

    profile = profile_page(site, path, seconds)
    files = {name.split(" ", 1)[1]: ms for name, ms in profile["files_ms"].items()}
    return {"cpu_ms": profile["cpu_ms"], "samples": profile["samples"], "files_ms": files}


def below_target(result: dict) -> set[str]:
    """The pages of one run below TARGET x the floor."""
    return {r["endpoint"] for r in result["endpoints"][1:] if r["ratio"] < TARGET}


def profile_lines(runs: list[dict]) -> list[str]:
    """For each page below the target: its sampled profile and where bench/README.md says why."""
    lines = []
    for run in runs:
        for row in run["endpoints"]:
            if "profile" not in row:
                continue
            profile = row["profile"]
            head = f"PROFILE m={run['messages']:,}: {row['endpoint']} {profile['cpu_ms']:.2f} ms of CPU a render"
            lines.append(f"{head} ({profile['samples']} samples), by file (ms):")
            lines += [
                f"  {ms:6.3f}  {name or '(Python, Flask, Werkzeug: outside the app)'}"
                for name, ms in profile["files_ms"].items()
            ]
            lines.append(f"  why: {WHY.get(row['endpoint'], 'not written down yet: start from this profile')}")
    return lines


def check_targets(runs: list[dict]) -> list[str]:
    """Every page >= TARGET x floor at every size; each page's share flat within FLAT from first to last size."""
    lines = []
    for run in runs:
        tag = f"m={run['messages']:,}"
        low = [r for r in run["endpoints"][1:] if r["ratio"] < TARGET]
        for r in low:
            lines.append(f"FAIL {tag}: {r['endpoint']} {r['ratio']:.2f}x floor (>= {TARGET}x)")
        if not low:
            lines.append(f"PASS {tag}: every page >= {TARGET}x the floor")
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        for a, b in zip(first["endpoints"][1:], last["endpoints"][1:]):
            change = b["ratio"] / a["ratio"] - 1 if a["ratio"] else 0.0
            if abs(change) > FLAT:
                lines.append(
                    f"FAIL flat: {a['endpoint']} {change:+.0%} from m={first['messages']:,} to m={last['messages']:,}"
                )
        if not any(line.startswith("FAIL flat") for line in lines):
            lines.append(
                f"PASS flat: every page within {FLAT:.0%} from m={first['messages']:,} to m={last['messages']:,}"
            )
    return lines


def rows_of(runs: list[dict]) -> tuple[list[str], list[list[str]]]:
    """One row per page: its bytes and statements, then per size req/s / p99 ms / x floor and in-process CPU ms."""
    head = ["page", "bytes", "queries"]
    for run in runs:
        head += [f"m={run['messages']:,}: req/s / p99 ms / x floor", "CPU ms"]
    rows = []
    for i, first in enumerate(runs[0]["endpoints"]):
        row = [first["endpoint"], str(first["body_bytes"]), str(first["statements"])]
        for run in runs:
            e = run["endpoints"][i]
            row += [f"{e['rps']:.0f} / {e['p99_ms']:.0f} / **{e['ratio']:.2f}**", f"{e['cpu_ms']:.2f}"]
        rows.append(row)
    return head, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--duration", type=int, help="wrk seconds (whole) per page and round (default: the size's)")
    parser.add_argument("--rounds", type=int, help="rounds over all pages (default: the size's)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=60, help="in-process renders per page for its CPU time")
    args = parser.parse_args()
    if not wrk.available():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    size = SIZES[args.size]
    duration, rounds = args.duration or size["duration"], args.rounds or size["rounds"]
    messages = [size["messages"][0], size["messages"][-1]]
    started = time.time()
    prepared = []
    try:
        for count in messages:
            log(f"sqlite: users {size['users']:,}, posts {size['posts']:,}, messages {count:,}")
            url, info = sqlite_database(size["users"], size["posts"], count)
            prepared.append(
                (count, url, info, Run(url, "sync", endpoints=PAGES, facts=page_facts(url), headers=lambda path: {}))
            )
        log(
            f"  {len(prepared)} gunicorns, 2 sync workers each; wrk {args.connections} connections, {rounds} x {duration}s"
        )
        measure_in_rounds([(f"m={count:,}", run) for count, _, _, run in prepared], rounds, duration, args.connections)
    except BaseException:
        for *_, run in prepared:
            run.server.stop()
        raise
    finished = [(count, url, info, run.finish()) for count, url, info, run in prepared]
    runs = []
    for count, url, info, result in finished:
        log(f"  in-process renders, m={count:,}")
        paths = [(r["endpoint"], r["path"], 0, 0) for r in result["endpoints"]]
        figures = in_process(url, paths, args.repeat, profiled=below_target(result))
        for row in result["endpoints"]:
            row.update(figures[row["endpoint"]])
        result.update(
            {"database": "sqlite", "users": size["users"], "posts": size["posts"], "messages": count, "seed": info}
        )
        runs.append(result)
    targets = check_targets(runs)
    profiles = profile_lines(runs)
    head, rows = rows_of(runs)
    report = {
        **provenance(),
        "size": args.size,
        "duration_s": duration,
        "rounds": rounds,
        "connections": args.connections,
        "runs": runs,
        "targets": targets,
        "profiles": profiles,
        "elapsed_s": round(time.time() - started, 1),
    }
    name = dt.date.today().isoformat() + ("" if args.size == "full" else f"-{args.size}") + "-pages"
    path = write_results(
        name, report, "\n".join(markdown_table(head, rows)) + "\n\n```\n" + "\n".join(targets + profiles) + "\n```\n"
    )
    columns = [(head[0], -18), (head[1], 7), (head[2], 8)] + [
        (h.split(":")[0] if "CPU" not in h else "CPU ms", 30 if "req/s" in h else 8) for h in head[3:]
    ]
    print("\n".join(text_table(columns, [[c.replace("**", "") for c in row] for row in rows])))
    print("\n".join(targets + profiles))
    print(f"\n{len(runs)} runs in {report['elapsed_s']}s; results in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
