"""`make bench-features`: what each feature of issues 21-24 costs a page, in CPU, SQL statements and bytes (issue 27).

    python -m bench.features [--size full|small] [--messages N ...] [--seconds S] [--rounds N] [--only REGEX]
                             [--database FILE ...] [--cprofile N]

Every page of `make bench-pages` (bench/pages.py) is rendered in this process through Flask's test client, signed
in as user1, on a copy of the seeded SQLite file of `make bench` (tools/bench/inprocess.py), loaded as a page.
Per page: the median CPU time of a render while a sampling profiler charges each sample to the part of the app
on the stack (bench/feature_map.py: layout, core, the four features; bench/feature_probe.py: why sampling); its
SQL statements charged the same way; and, as a cross-check, each feature's partials knocked out (an empty
template each) and its template functions (feature_map.CODE): the CPU and the bytes the page loses, beside what
the samples inside them say.
Prints the tables and writes bench/results/<date>-features.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import re
import shutil
import statistics
import time

import sqlalchemy as sa

from tools.bench.data import DATA, SIZES, log, sqlite_database
from tools.harness import ROOT
from tools.harness.report import markdown_table, provenance, write_results

from .feature_map import CODE, FEATURES, HARNESS, PARTS, templates_of
from .feature_probe import Sampler, Statements, code_knocked_out, knocked_out, own_time_by_part
from .feature_report import cprofile_table, median_and_error, sampling_error, tables
from .pages import PAGES, page_facts


def partial_names() -> list[str]:
    """Every partial in the checkout, as templates name it."""
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "partials").rglob("*.html"))


def cpu_ms(get, path: str) -> float:
    """This thread's CPU ms for one render: with a CPU timer armed, Linux reads the process clock only to the tick."""
    started = time.thread_time()
    get(path)
    return (time.thread_time() - started) * 1000


def profile_page(site, path: str, seconds: float) -> dict:
    """Renders `path` for `seconds` of CPU under the sampler: the median CPU ms and each part's share of it."""
    get = site.client.get
    for _ in range(5):
        get(path)
    times = []
    with Sampler() as sampler:
        started = time.thread_time()
        while time.thread_time() - started < seconds:
            times.append(cpu_ms(get, path))
        loop_ms = (time.thread_time() - started) * 1000
    total = sum(sampler.charged.values())
    in_requests = total - sampler.charged[HARNESS]
    median = statistics.median(times)
    share = {part: sampler.charged[part] / in_requests for part in PARTS}
    files = {f"{part} {file}": round(n / in_requests * median, 3) for (part, file), n in sampler.files.most_common(15)}
    return {
        "renders": len(times),
        "cpu_ms": round(median, 3),
        "cpu_ms_quartiles": [round(q, 3) for q in statistics.quantiles(times, n=4)[::2]],
        "samples": total,
        # the check: the samples taken inside renders, at the loop's CPU per sample, against the renders' own CPU
        "sampled_over_measured": round(in_requests * loop_ms / total / sum(times), 3),
        "harness_share": round(sampler.charged[HARNESS] / total, 4),
        "files_ms": files,
        "share": {part: round(v, 4) for part, v in share.items()},
        "ms": {part: round(v * median, 3) for part, v in share.items()},
        "error_ms": {part: sampling_error(sampler.charged[part], in_requests, median) for part in PARTS},
        "inside_ms": {part: round(sampler.inside[part] / in_requests * median, 3) for part in FEATURES},
        "inside_error_ms": {part: sampling_error(sampler.inside[part], in_requests, median) for part in FEATURES},
        "inside_code_ms": {part: round(sampler.inside_code[part] / in_requests * median, 3) for part in CODE},
        "inside_code_error_ms": {part: sampling_error(sampler.inside_code[part], in_requests, median) for part in CODE},
    }


def knock_out(site, path: str, rounds: int) -> dict:
    """Each feature's partials emptied in turn, and its template functions of CODE ("<feature> code"), interleaved
    with the whole page: the CPU ms and the bytes the page loses."""
    env = site.app.jinja_env
    original, names = env.loader, partial_names()
    modes = {"all": (original, {}, {})} | {f: (knocked_out(original, templates_of(f, names)), {}, {}) for f in FEATURES}
    modes |= {f"{f} code": (original, *code_knocked_out(f)) for f in CODE}
    kept = (
        {k: env.globals[k] for m in modes.values() for k in m[1]},
        {k: env.filters[k] for m in modes.values() for k in m[2]},
    )

    def use(mode: str) -> None:
        loader, overlay, filters = modes[mode]
        env.loader = loader
        env.globals.update(kept[0] | overlay)
        env.filters.update(kept[1] | filters)

    size, times = {}, {mode: [] for mode in modes}
    try:
        for mode in modes:
            use(mode)
            answer = site.client.get(path)
            size[mode] = (answer.status_code, len(answer.get_data()))
        # a code knock-out may leave the bytes as they were (no link in any post) and still save the work
        shown = [m for m in modes if m == "all" or m.endswith(" code") or size[m] != size["all"]]
        for n in range(rounds):
            for mode in shown if n % 2 else shown[::-1]:  # each order as often: no mode always follows another
                use(mode)
                times[mode].append(cpu_ms(site.client.get, path))
    finally:
        use("all")
    result = {}
    for mode in modes:
        if mode == "all":
            continue
        # paired: each round's whole page minus its knocked-out one (a neighbour's burst hits both alike)
        diffs = [a - b for a, b in zip(times["all"], times[mode])]
        ms, error = median_and_error(diffs) if diffs else (0.0, 0.0)
        result[mode] = {"status": size[mode][0], "bytes": size["all"][1] - size[mode][1], "ms": ms, "error_ms": error}
    return result


def measure(database: str, seconds: float, rounds: int, only: str | None = None, cprofile: int = 0) -> list[dict]:
    """Every page on one seeded SQLite copy: its profile, statements, bytes and knock-outs."""
    from microblog.extensions import db
    from tools.bench.inprocess import Site

    facts = page_facts("sqlite:///" + database)
    site = Site(database)
    statements = Statements()
    with site.app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", statements)
    rows = []
    for name, template, status in PAGES[1:]:  # every page but the floor
        if only and not re.search(only, name):
            continue
        path = template.format(**facts)
        answer = site.client.get(path)
        assert answer.status_code == status, (path, answer.status_code)
        statements.charged.clear()
        site.client.get(path)
        row = {"page": name, "path": path, "bytes": len(answer.get_data())}
        row["statements"] = dict(statements.charged)
        row.update(profile_page(site, path, seconds))
        row["knock_out"] = knock_out(site, path, rounds)
        if cprofile:
            row["cprofile"] = own_time_by_part(functools.partial(site.client.get, path), cprofile)
        log(f"  {name}: {row['cpu_ms']:.2f} ms, {row['samples']} samples")
        rows.append(row)
    return rows


def copy_of(size: dict, messages: int) -> str:
    """A fresh copy of the size's seeded file with `messages` messages (seeded first if missing)."""
    url, _ = sqlite_database(size["users"], size["posts"], messages)
    work = DATA / f"features-m{messages}.db"  # a copy of its own: bench/pages.py's work files may be in use
    shutil.move(url.removeprefix("sqlite:///"), work)
    return str(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--messages", type=int, nargs="+", help="message counts (default: the size's first and last)")
    parser.add_argument("--seconds", type=float, default=8.0, help="CPU seconds of sampled renders per page")
    parser.add_argument("--rounds", type=int, default=200, help="knock-out rounds per page")
    parser.add_argument("--only", help="a regular expression over page names")
    parser.add_argument("--cprofile", type=int, default=0, help="also N renders under cProfile, own time by part")
    parser.add_argument("--database", nargs="+", help="seeded SQLite files to use (written to) instead of the size's")
    args = parser.parse_args()
    size = SIZES[args.size]
    started, load = time.time(), os.getloadavg()
    runs = []
    for database in args.database or [copy_of(size, n) for n in args.messages or size["messages"][::2]]:
        count = sa.create_engine("sqlite:///" + database).connect().execute(sa.text("SELECT COUNT(*) FROM message"))
        runs.append({"database": os.path.basename(database), "messages": count.scalar()})
        log(f"{database}: {args.seconds}s of sampled CPU and {args.rounds} knock-out rounds per page")
        runs[-1]["pages"] = measure(database, args.seconds, args.rounds, args.only, args.cprofile)
    report = {**provenance(), "size": args.size, "load_average": [round(x, 2) for x in load + os.getloadavg()]}
    report.update(seconds=args.seconds, rounds=args.rounds, runs=runs, elapsed_s=round(time.time() - started, 1))
    markdown = [
        f"{report['date']}, commit {report['commit']}, {args.size} size, load average {report['load_average']}",
        "",
    ]
    for run in runs:
        head, cpu, head2, other = tables(run["pages"])
        markdown += [f"m={run['messages']:,}", "", *markdown_table(head, cpu), "", *markdown_table(head2, other), ""]
        if args.cprofile:
            markdown += ["cProfile, own time by part:", "", *markdown_table(*cprofile_table(run["pages"])), ""]
    name = dt.date.today().isoformat() + ("" if args.size == "full" else f"-{args.size}") + "-features"
    path = write_results(name, report, "\n".join(markdown))
    print("\n".join(markdown))
    print(f"load average {report['load_average']}; {report['elapsed_s']}s; results in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
