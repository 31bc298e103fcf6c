"""The tables of `make bench-features` (bench/features.py) and the errors shown beside their figures."""

from __future__ import annotations

import statistics

from .feature_map import CODE, FEATURES, PARTS

# cProfile's own time (--cprofile): no stack, so no "framework" (Flask's frames are libraries like any other)
GROUPS = (*PARTS[1:], "helpers", "libraries", "harness")


def median_and_error(values: list[float]) -> tuple[float, float]:
    """The median and its standard error (1.2533 sigma / sqrt(n), sigma from the interquartile range: robust to a
    neighbour's bursts), rounded to the microsecond."""
    q1, median, q3 = statistics.quantiles(values, n=4)
    return round(median, 3), round(1.2533 * (q3 - q1) / 1.349 / len(values) ** 0.5, 3)


def sampling_error(samples: int, total: int, median: float) -> float:
    """The standard error in ms of a part's share of `total` samples times the page's `median` ms (binomial)."""
    p = samples / total
    return round((p * (1 - p) / total) ** 0.5 * median, 3)


def tables(rows: list[dict]) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    """CPU by part (ms and %); then the check, statements by part, and each knock-out: the samples inside what it
    removes / the CPU the page loses, each ± its standard error, and the bytes it loses ("-": not on the page)."""
    head = ["page", "CPU ms", *PARTS]
    cpu = [[r["page"], f"{r['cpu_ms']:.2f}"] + [f"{r['ms'][p]:.2f} ({r['share'][p]:.0%})" for p in PARTS] for r in rows]
    knocks = [*FEATURES, *(f"{f} code" for f in CODE)]
    head2 = [
        "page",
        "sampled / measured",
        "statements",
        "by part",
        *(f"{k}: inside / knocked ms, bytes" for k in knocks),
    ]
    other = []
    for r in rows:
        order = sorted(r["statements"].items(), key=lambda kv: PARTS.index(kv[0]) if kv[0] in PARTS else len(PARTS))
        cells = [r["page"], f"{r['sampled_over_measured']:.1%}", str(sum(r["statements"].values()))]
        cells.append(", ".join(f"{p} {n}" for p, n in order))
        for k in knocks:
            knocked, inside = r["knock_out"][k], r["inside_ms"] | {f"{f} code": r["inside_code_ms"][f] for f in CODE}
            errors = r["inside_error_ms"] | {f"{f} code": r["inside_code_error_ms"][f] for f in CODE}
            shown = f"{inside[k]:.2f}±{errors[k]:.2f} / {knocked['ms']:.2f}±{knocked['error_ms']:.2f}"
            cells.append(f"{shown}, {knocked['bytes']:,} B" if knocked["bytes"] or inside[k] else "-")
        other.append(cells)
    return head, cpu, head2, other


def cprofile_table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """cProfile's own time by group (ms per render and share of the profiled total), for the pages that have it."""
    head = ["page", "profiled ms", *GROUPS]
    lines = []
    for r in rows:
        if "cprofile" in r:
            own = {g: r["cprofile"].get(g, (0.0, 0))[0] for g in GROUPS}
            total = sum(own.values())
            lines.append([r["page"], f"{total:.2f}", *(f"{own[g]:.2f} ({own[g] / total:.0%})" for g in GROUPS)])
    return head, lines
