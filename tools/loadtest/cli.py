"""`make loadtest` / `python -m tools.loadtest`: the options, the scenarios asked for, a verdict per scenario."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from tools.harness import databases

from . import __doc__ as DOC
from .cluster import fault_cluster_ready, main_admin_url
from .load import FULL, SHORT
from .scenarios import scenario_fault, scenario_load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=DOC.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="a smaller, faster run (CI)")
    parser.add_argument("--only", default="pg,sqlite,fault", help="comma-separated: pg, sqlite, fault")
    parser.add_argument("--pg-url", help="PostgreSQL URL of a role that may create databases")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database stays down")
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args(argv)
    size = SHORT if args.short else FULL
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    problems: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="microblog-load-") as tmp:
        workdir = Path(tmp)
        if "pg" in wanted:
            admin = main_admin_url(args.pg_url)
            if admin is None:
                problems["pg"] = ["no PostgreSQL: give --pg-url, LOADTEST_PG_URL or TEST_DATABASE_URL, or run as root"]
            else:
                with databases.scratch(admin, f"microblog_load_{os.getpid()}") as url:
                    problems["pg"] = scenario_load("PostgreSQL", url, size, args.workers, workdir, args.seed)
        if "sqlite" in wanted:
            url = "sqlite:///" + str(workdir / "load.db")
            problems["sqlite"] = scenario_load("SQLite", url, size, args.workers, workdir, args.seed)
        if "fault" in wanted:
            if os.geteuid() != 0 or not shutil.which("pg_createcluster"):
                problems["fault"] = ["the fault test needs root and pg_createcluster (a cluster of its own on 5439)"]
            else:
                problems["fault"] = scenario_fault(
                    fault_cluster_ready(), size, args.workers, workdir, args.seed, args.outage
                )
    print()
    failed = False
    for scenario, found in problems.items():
        print(f"{scenario}: {'OK' if not found else 'FAILED'}")
        for problem in found:
            print(f"  - {problem}")
        failed = failed or bool(found)
    return 1 if failed else 0
