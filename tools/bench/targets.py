"""The benchmark's tables (text for the terminal, Markdown for bench/README.md) and its targets."""

from __future__ import annotations

from tools.harness.report import markdown_table, text_table


def table(run: dict) -> str:
    title = (
        f"== {run['database']} / {run['worker_class']} / messages={run['messages']:,} "
        f"(users {run['users']:,}, posts {run['posts']:,}); peak worker RSS {run['peak_worker_rss_mb']} MB"
    )
    columns = [
        ("endpoint", -22),
        ("req/s", 9),
        ("p50 ms", 9),
        ("p99 ms", 9),
        ("bytes", 8),
        ("x floor", 9),
        ("  path", -1),
    ]
    rows = [
        [
            r["endpoint"],
            f"{r['rps']:.1f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            r["bytes_per_response"],
            f"{r['ratio']:.3f}",
            "  " + r["path"][:60],
        ]
        for r in run["endpoints"]
    ]
    return "\n".join([title, *text_table(columns, rows)])


def markdown(report: dict) -> str:
    """The runs side by side as a Markdown table (req/s / p99 ms / x floor), as bench/README.md shows them."""
    runs = report["runs"]
    head = ["endpoint", "bytes"] + [f"{r['database']} m={r['messages']:,} {r['worker_class']}" for r in runs]
    rows = []
    for i, first in enumerate(runs[0]["endpoints"]):
        cells = [first["endpoint"], str(first["bytes_per_response"])]
        for r in runs:
            e = r["endpoints"][i]
            cells.append(f"{e['rps']:.0f} / {e['p99_ms']:.0f} / **{e['ratio']:.2f}**")
        rows.append(cells)
    peaks = ", ".join(f"{r['peak_worker_rss_mb']} MB" for r in runs)
    return "\n".join(markdown_table(head, rows)) + f"\n\nPeak worker RSS: {peaks}.\n"


def check_targets(runs: list[dict], connections: int) -> list[str]:
    """The targets of bench/README.md, as PASS/FAIL lines."""
    lines = []
    sync = [r for r in runs if r["worker_class"] != "gthread"]  # the main runs: sync, or --worker-class
    for run in sync:
        tag = f"{run['database']} m={run['messages']:,} {run['worker_class']}"
        rows = {r["endpoint"]: r for r in run["endpoints"]}
        if "badge idle" in rows:  # not with --endpoints leaving it out
            idle = rows["badge idle"]["ratio"]
            lines.append(f"{'PASS' if idle >= 0.6 else 'FAIL'} {tag}: idle badge {idle:.2f}x floor (>= 0.6)")
        for r in run["endpoints"][1:]:
            ok = r["ratio"] >= 0.1 and r["p99_ms"] < 100
            if not ok:
                lines.append(
                    f"FAIL {tag}: {r['endpoint']} {r['ratio']:.2f}x floor, p99 {r['p99_ms']} ms "
                    f"(>= 0.1x, < 100 ms at {connections} connections)"
                )
        if all(r["ratio"] >= 0.1 and r["p99_ms"] < 100 for r in run["endpoints"][1:]):
            lines.append(f"PASS {tag}: every page >= 0.1x floor with p99 < 100 ms")
        peak = run["peak_worker_rss_mb"] or 0
        lines.append(f"{'PASS' if peak < 150 else 'FAIL'} {tag}: peak worker RSS {peak} MB (< 150)")
    for database, worker_class in sorted({(r["database"], r["worker_class"]) for r in sync}):
        ordered = sorted(
            (r for r in sync if (r["database"], r["worker_class"]) == (database, worker_class)),
            key=lambda r: r["messages"],
        )
        if len(ordered) < 2:
            continue
        first, last = ordered[0], ordered[-1]
        worst = []
        for a, b in zip(first["endpoints"], last["endpoints"]):
            # Compare ratios to the floor measured in the same run: the machine is shared, the floor moves.
            change = (b["ratio"] / a["ratio"] - 1) if a["ratio"] else 0
            worst.append((abs(change), a["endpoint"], change))
        worst.sort(reverse=True)
        _, name, change = worst[0]
        lines.append(
            f"{'PASS' if abs(change) <= 0.2 else 'FAIL'} {database} {worker_class}: messages "
            f"{first['messages']:,} -> {last['messages']:,}: largest change {name} {change:+.0%} "
            f"(|change| <= 20%)"
        )
    return lines
