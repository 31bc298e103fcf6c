"""Report helpers: percentiles, aligned text tables, Markdown tables, results written to bench/results/."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from . import ROOT

RESULTS = ROOT / "bench" / "results"


def percentile(values: Sequence[float], q: float) -> float:
    """The value at fraction `q` (0.5, 0.99) of the sorted values, nearest rank; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def text_table(columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[object]]) -> list[str]:
    """Lines of a fixed-width table: `columns` are (title, width), a negative width aligns left."""

    def line(cells: Sequence[object]) -> str:
        out = []
        for (_, width), cell in zip(columns, cells):
            out.append(f"{cell!s:<{-width}}" if width < 0 else f"{cell!s:>{width}}")
        return "".join(out).rstrip()

    return [line([title for title, _ in columns])] + [line(row) for row in rows]


def markdown_table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Lines of a Markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def provenance() -> dict:
    """When, on how many CPUs and at which commit a benchmark ran: the head of every results file."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "commit": commit.stdout.strip(),
    }


def write_results(name: str, data: dict, markdown: str) -> Path:
    """bench/results/<name>.json and <name>.md; the path of the JSON."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=1) + "\n")
    path.with_suffix(".md").write_text(markdown)
    return path
