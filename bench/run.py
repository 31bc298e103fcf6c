"""The benchmark behind `make bench` (see bench/README.md).

Seeds a database at each of three message counts, serves each with gunicorn, signs in as user1 and
measures every endpoint with wrk on 127.0.0.1 in interleaved rounds, side by side with /healthz (the
floor). Writes bench/results/<date>.json (and .md) and prints a table.

    python -m bench.run --size small|full [--duration S] [--rounds N] [--connections N] [--only sqlite|postgresql]
    BENCH_DATABASE_URL=postgresql+psycopg://user:pw@127.0.0.1/dbname  (also bench PostgreSQL; the databases
    dbname_m<messages> are dropped and re-created, so never name one you care about)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from tools.bench.data import SIZES, log, postgres_database, sqlite_database
from tools.bench.rounds import ENDPOINTS, Run, measure_in_rounds
from tools.bench.targets import check_targets, markdown, table
from tools.harness import ROOT, wrk
from tools.harness.databases import psycopg_url
from tools.harness.report import provenance, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--duration", type=int, help="wrk seconds (whole) per endpoint and round")
    parser.add_argument("--rounds", type=int, help="rounds over all endpoints (each row is its median round)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--worker-class",
        default="sync",
        type=lambda s: s.split(","),
        help="the main runs' gunicorn workers: sync, gevent (what make serve runs, for live push) or both side "
        "by side in the same rounds (sync,gevent)",
    )
    parser.add_argument(
        "--endpoints",
        type=lambda s: s.split(","),
        help="measure only these rows (comma-separated names, e.g. 'explore,index'); the floor is always measured",
    )
    parser.add_argument(
        "--no-gthread", action="store_true", help="skip the gthread run at the largest size (full size only)"
    )
    args = parser.parse_args()
    if not wrk.available():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    size = SIZES[args.size]
    duration = args.duration or size["duration"]
    rounds = args.rounds or size["rounds"]
    started = time.time()
    # --endpoints: those rows only, the floor always (every ratio is to it)
    endpoints = [e for e in ENDPOINTS if not args.endpoints or e is ENDPOINTS[0] or e[0] in args.endpoints]

    databases = []
    if args.only in (None, "sqlite"):
        databases.append("sqlite")
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg and args.only in (None, "postgresql"):
        pg = psycopg_url(pg)
        databases.append("postgresql")

    runs = []
    for database in databases:
        # All data sizes are served at once (idle servers cost nothing) and measured in interleaved rounds.
        prepared: list[tuple[dict, Run]] = []
        measured = False
        try:
            for messages in size["messages"]:
                log(f"{database}: users {size['users']:,}, posts {size['posts']:,}, messages {messages:,}")
                if database == "sqlite":
                    url, info = sqlite_database(size["users"], size["posts"], messages)
                else:
                    url, info = postgres_database(pg, size["users"], size["posts"], messages)
                meta = {
                    "database": database,
                    "users": size["users"],
                    "posts": size["posts"],
                    "messages": messages,
                    "seed": info,
                    "url": url,
                }
                for worker_class in args.worker_class:  # several: side by side on the same data, same rounds
                    prepared.append((dict(meta), Run(url, worker_class, endpoints=endpoints)))
            log(
                f"  {len(prepared)} gunicorns, 2 workers each ({', '.join(args.worker_class)}); wrk "
                f"{args.connections} connections, {rounds} rounds of {duration}s per endpoint and size"
            )
            measure_in_rounds(
                [(f"m={m['messages']:,} {run.worker_class}", run) for m, run in prepared],
                rounds,
                duration,
                args.connections,
            )
            measured = True
        finally:
            if not measured:
                for _, run in prepared:
                    run.server.stop()
        finished = [(meta, run.finish()) for meta, run in prepared]
        for meta, result in finished:
            url = meta.pop("url")
            result.update(meta)
            runs.append(result)
        if size["gthread"] and not args.no_gthread:
            # For reference: gthread workers (4 threads each) at the largest size, measured on their own.
            log(f"  gthread: 2 workers x 4 threads at messages={size['messages'][-1]:,}")
            run = Run(url, "gthread", endpoints=endpoints)
            try:
                measure_in_rounds([("gthread", run)], rounds, duration, args.connections)
            except BaseException:
                run.server.stop()
                raise
            result = run.finish()
            result.update({k: v for k, v in meta.items() if k != "url"})
            runs.append(result)

    targets = check_targets(runs, args.connections)
    report = {
        **provenance(),
        "size": args.size,
        "duration_s": duration,
        "rounds": rounds,
        "connections": args.connections,
        "wrk_threads": 2,
        "runs": runs,
        "targets": targets,
        "elapsed_s": round(time.time() - started, 1),
    }
    name = (
        dt.date.today().isoformat()
        + ("" if args.size == "full" else f"-{args.size}")
        + (f"-{args.only}" if args.only else "")
        + (f"-{'-'.join(args.worker_class)}" if args.worker_class != ["sync"] else "")
    )
    path = write_results(name, report, markdown(report) + "\n```\n" + "\n".join(targets) + "\n```\n")
    for run in runs:
        print(table(run))
        print()
    print("\n".join(targets))
    print(f"\n{len(runs)} runs in {report['elapsed_s']}s; results in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
