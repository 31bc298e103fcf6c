"""What an idle `/events` stream keeps in memory: one gevent worker (`make serve`'s config) holding N streams,
measured from inside (bench/README.md "Memory per stream").

    .venv/bin/python -m tools.bench.stream_memory [--streams 1000] [--frames 1] [--no-trace]

Serves the seeded tabs database (bench/data/, `make bench-tabs` seeds it) with one worker under
tools/bench/stream_memory_conf.py, loads a page and a stream once per user to warm it, then asks the worker
for a report before and after opening `--streams` streams (users 1..N, one each): RSS, the greenlets'
saved C stacks, live objects by type, and (tracemalloc, unless --no-trace, which leaves RSS undisturbed)
the allocations by line that the streams added, per stream.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from tools.harness.server import stream_request

PER = "per stream"


def _rss_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def _streams_open() -> int:
    from microblog.push import _PUSHES

    return sum(len(push.hub) for push in _PUSHES)


def report(label: str, snapshots: dict) -> str:
    """Run in the worker: the figures now, and what grew since the first report (per open stream)."""
    import tracemalloc

    import greenlet

    gc.collect()
    objects = gc.get_objects()
    greenlets = [o for o in objects if isinstance(o, greenlet.greenlet)]
    types = Counter(type(o).__qualname__ for o in objects)
    del objects
    now = {
        "rss": _rss_kib(),
        "streams": _streams_open(),
        "greenlets": len(greenlets),
        "stack_saved": sum(getattr(g, "_stack_saved", 0) for g in greenlets),
        "types": types,
        "snapshot": tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None,
    }
    del greenlets
    lines = [
        f"{label}: rss {now['rss']} KiB, {now['streams']} streams, {now['greenlets']} greenlets, "
        f"saved stacks {now['stack_saved'] / 1024:.0f} KiB"
    ]
    first = snapshots.setdefault("first", now)
    n = now["streams"] - first["streams"]
    if first is not now and n > 0:
        lines.append(
            f"{n} streams more: rss {(now['rss'] - first['rss']) / n:.2f} KiB {PER}, saved stack "
            f"{(now['stack_saved'] - first['stack_saved']) / n / 1024:.2f} KiB {PER}"
        )
        grown = [(k, v - first["types"].get(k, 0)) for k, v in now["types"].items()]
        lines.append(
            "live objects grown, per stream: "
            + ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(grown, key=lambda kv: -kv[1])[:25] if v > 0)
        )
        if now["snapshot"] is not None and first["snapshot"] is not None:
            ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<unknown>")]
            diff = now["snapshot"].filter_traces(ignore).compare_to(first["snapshot"].filter_traces(ignore), "lineno")
            total = sum(d.size_diff for d in diff)
            lines.append(f"tracemalloc: {total / n / 1024:.2f} KiB {PER} in Python allocations; by line:")
            for d in diff[:40]:
                if d.size_diff <= 0:
                    continue
                frame = d.traceback[0]
                lines.append(
                    f"  {d.size_diff / n:8.0f} B {d.count_diff / n:6.2f} blocks  "
                    f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}"
                )
            if len(now["snapshot"].traces) and now["snapshot"].traceback_limit > 1:
                lines.append("the largest, by traceback (innermost last):")
                grown = (
                    now["snapshot"]
                    .filter_traces(ignore)
                    .compare_to(first["snapshot"].filter_traces(ignore), "traceback")
                )
                for d in grown[:12]:
                    lines.append(f"  {d.size_diff / n:8.0f} B {d.count_diff / n:6.2f} blocks")
                    lines += [f"      {f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in d.traceback]
    return "\n".join(lines) + "\n"


async def _open(port: int, cookies: list[str], hold: list) -> int:
    async def one(cookie: str) -> bool:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(stream_request(port, cookie))
        status = await reader.readline()
        while (line := await reader.readline()) and line != b"\r\n":
            pass
        await reader.readuntil(b"\n\n")  # the state sent on connect
        hold.append(writer)
        return b" 200 " in status

    opened = 0
    for start in range(0, len(cookies), 100):
        opened += sum(await asyncio.gather(*(one(c) for c in cookies[start : start + 100])))
    return opened


def _ask(folder: Path, label: str) -> str:
    (folder / f"{label}.ask").touch()
    out = folder / f"{label}.txt"
    deadline = time.monotonic() + 300
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.3)
    return out.read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc's frames per allocation")
    parser.add_argument("--no-trace", action="store_true", help="RSS, stacks and objects only")
    args = parser.parse_args()

    from bench.streams import http, session_cookies
    from bench.tabs import SEED, seeded_users
    from tools.bench.data import sqlite_database
    from tools.harness.server import Server

    url, _ = sqlite_database(max(1000, args.streams), SEED["posts"], SEED["messages"])
    folder = Path(tempfile.mkdtemp(prefix="stream-memory-"))
    env = {
        "STREAM_MEMORY_DIR": str(folder),
        "STREAM_MEMORY_FRAMES": str(args.frames),
        "SSE_MAX_STREAMS": str(args.streams + 100),
        "PYTHONPATH": os.getcwd(),
    }
    if args.no_trace:
        env["STREAM_MEMORY_FRAMES"] = "0"
    config = "python:tools.bench.stream_memory_conf"
    server = Server(url, 1, config=config, env=env, args=("--log-level", "warning")).start()
    try:
        users = seeded_users(url, args.streams)
        cookies = list(session_cookies(server.secret, users).values())

        async def go():
            for c in cookies[:20]:  # warm: a page and a stream, as a tab does before the measure
                await http(server.port, "GET", "/index", c)
            hold: list = []
            await _open(server.port, cookies[:20], hold)
            for w in hold:
                w.close()
            await asyncio.sleep(1)
            print(_ask(folder, "before"), end="")
            hold = []
            opened = await _open(server.port, cookies, hold)
            await asyncio.sleep(2)
            print(f"opened {opened} streams")
            print(_ask(folder, "after"), end="")
            for w in hold:
                w.close()

        asyncio.run(go())
    finally:
        server.stop(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
