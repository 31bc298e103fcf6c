"""Benchmark of live push (`make bench-streams`, bench/README.md "Streams"): N open /events streams on
2 gevent workers, on SQLite and PostgreSQL.

Measures, per database: memory per stream (workers' RSS before and after opening the streams), the delay
from a sender's POST response to the recipient's `unread` event (p50/p99, at --rate sends/s spread over the
stream holders), and page p99 (/explore, 4 at a time) with the streams open, against the same pages with
no stream open. Streams are signed-in sessions made with the server's SECRET_KEY (no 1,000 sign-ins).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from tools.harness import databases
from tools.harness.browser import csrf_token
from tools.harness.report import markdown_table, percentile as pct, write_results
from tools.harness.server import Server
from tools.harness.server import stream_request

PASSWORD = "bench-streams-pw"
TARGETS = {"kib_per_stream": 50, "event_p99_ms": 250, "page_p99_ms": 100}


def session_cookies(secret: str, users) -> dict[str, str]:
    """The signed session cookie a browser would hold after signing in, per username."""
    from flask import Flask

    from microblog.auth.session import forged_cookie

    app = Flask("bench")
    app.secret_key = secret
    return {name: forged_cookie(app, uid, token) for uid, name, token in users}


async def http(
    port: int, method: str, path: str, cookie: str = "", form: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if cookie:
        lines.append(f"Cookie: session={cookie}")
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, text = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    hdrs = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return int(status_line.split()[1]), hdrs, text.decode("utf-8", "replace")


class Streams:
    """N EventSources: the arrival time of every `unread` event per user."""

    def __init__(self, port: int):
        self.port = port
        self.unread: dict[str, list[float]] = {}
        self.woken: dict[str, asyncio.Event] = {}  # set at each `unread` event (the sender awaits it)
        self.opened = 0
        self.failed = 0
        self.tasks: list[asyncio.Task] = []

    async def one(self, name: str, cookie: str, ready: asyncio.Event) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(stream_request(self.port, cookie))
            await writer.drain()
            status = await reader.readline()
            if b" 200 " not in status:
                self.failed += 1
                return
            arrivals = self.unread.setdefault(name, [])
            state = 0
            while line := await reader.readline():
                if line.startswith(b"event: unread"):
                    if state < 1:  # the state sent on connect
                        state += 1
                        self.opened += 1
                        if self.opened + self.failed >= self.expected:
                            ready.set()
                    else:
                        arrivals.append(time.monotonic())
                        if name in self.woken:
                            self.woken[name].set()
        except (OSError, asyncio.IncompleteReadError):
            self.failed += 1

    async def open(self, cookies: dict[str, str]) -> None:
        self.expected = len(cookies)
        ready = asyncio.Event()
        for i, (name, cookie) in enumerate(cookies.items()):
            self.tasks.append(asyncio.create_task(self.one(name, cookie, ready)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)  # a page-load rate, not a SYN flood
        await asyncio.wait_for(ready.wait(), 120)

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()


async def csrf_of(port: int, cookies: dict[str, str], sender: str, recipient: str) -> str:
    """The form's CSRF token; the session cookie now holds its secret (kept in `cookies`)."""
    status, headers, body = await http(port, "GET", f"/messages/{recipient}", cookies[sender])
    token = csrf_token(body)
    assert status == 200 and token, status
    for value in headers.get("set-cookie", []):
        if value.startswith("session="):
            cookies[sender] = value.split(";", 1)[0][len("session=") :]
    return token


async def sends(
    port: int,
    streams: Streams,
    cookies: dict[str, str],
    senders: list[str],
    recipients: list[str],
    rate: float,
    seconds: float,
) -> tuple[list[float], int]:
    """`rate` sends/s for `seconds`, each to a different recipient; delays POST response -> event (ms)."""
    tokens = {s: await csrf_of(port, cookies, s, recipients[0]) for s in senders}
    delays: list[float] = []
    missing = 0

    async def one(i: int) -> None:
        nonlocal missing
        sender, recipient = senders[i % len(senders)], recipients[i % len(recipients)]
        before = len(streams.unread.get(recipient, []))
        woken = streams.woken[recipient] = asyncio.Event()
        status, _, _ = await http(
            port,
            "POST",
            f"/send_message/{recipient}",
            cookies[sender],
            {"csrf_token": tokens[sender], "message": f"bench {i}"},
        )
        done = time.monotonic()
        assert status == 303, status
        try:
            await asyncio.wait_for(woken.wait(), 5)
        except TimeoutError:
            pass
        arrivals = streams.unread.get(recipient, [])
        if len(arrivals) > before:
            delays.append(max(0.0, arrivals[before] - done) * 1000)
        else:
            missing += 1

    count = int(rate * seconds)
    started = time.monotonic()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return delays, missing


async def pages(port: int, cookie: str, total: int, concurrency: int = 4) -> list[float]:
    times: list[float] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            started = time.monotonic()
            status, _, _ = await http(port, "GET", "/explore", cookie)
            assert status == 200, status
            times.append((time.monotonic() - started) * 1000)

    await asyncio.gather(*(worker(total // concurrency) for _ in range(concurrency)))
    return times


async def measure(server: Server, users, streams_n: int, rate: float, seconds: float) -> dict:
    cookies = session_cookies(server.secret, users)
    names = [name for _, name, _ in users]
    holders, senders = names[:streams_n], names[streams_n : streams_n + 10]
    await pages(server.port, cookies[senders[0]], 40)  # warm-up
    quiet = await pages(server.port, cookies[senders[0]], 200)
    rss_before = server.rss_kib()
    streams = Streams(server.port)
    started = time.monotonic()
    await streams.open({n: cookies[n] for n in holders})
    open_seconds = time.monotonic() - started
    await asyncio.sleep(1)
    rss_after = server.rss_kib()
    busy = await pages(server.port, cookies[senders[0]], 200)
    delays, missing = await sends(server.port, streams, cookies, senders, holders, rate, seconds)
    shutdown = None
    result = {
        "streams": streams_n,
        "opened": streams.opened,
        "failed": streams.failed,
        "open_seconds": round(open_seconds, 1),
        "kib_per_stream": round((rss_after - rss_before) / max(1, streams.opened), 1),
        "rss_mib_before": round(rss_before / 1024, 1),
        "rss_mib_after": round(rss_after / 1024, 1),
        "sends": len(delays) + missing,
        "events_missing": missing,
        "event_p50_ms": round(pct(delays, 0.5), 1),
        "event_p99_ms": round(pct(delays, 0.99), 1),
        "page_p50_ms_quiet": round(pct(quiet, 0.5), 1),
        "page_p99_ms_quiet": round(pct(quiet, 0.99), 1),
        "page_p50_ms": round(pct(busy, 0.5), 1),
        "page_p99_ms": round(pct(busy, 0.99), 1),
    }
    shutdown = server.stop(60)  # streams still open: graceful shutdown must not wait them out
    streams.close()
    result["shutdown_seconds_with_streams_open"] = round(shutdown, 1)
    return result


def run(kind: str, database_url: str, args, workdir: Path) -> dict:
    server = Server(
        database_url, args.workers, env={"RATELIMIT_ENABLED": "0", "SSE_MAX_STREAMS": "20000"}, logdir=workdir
    )
    server.migrate()
    server.start()
    try:
        users = databases.insert_users(database_url, [f"s{i}" for i in range(args.streams + 10)], PASSWORD)
        return asyncio.run(measure(server, users, args.streams, args.rate, args.seconds))
    finally:
        server.stop(60)


def report(results: dict, args) -> str:
    rows = [
        ("streams open / asked", lambda r: f"{r['opened']:,} / {r['streams']:,}"),
        ("memory per stream (KiB)", lambda r: f"{r['kib_per_stream']}"),
        ("workers' RSS before -> after (MiB)", lambda r: f"{r['rss_mib_before']} -> {r['rss_mib_after']}"),
        (
            f"POST -> event p50 / p99 (ms), {args.rate:g} sends/s",
            lambda r: f"{r['event_p50_ms']} / {r['event_p99_ms']}",
        ),
        ("events missing", lambda r: f"{r['events_missing']} of {r['sends']}"),
        ("page p50 / p99 (ms), no stream", lambda r: f"{r['page_p50_ms_quiet']} / {r['page_p99_ms_quiet']}"),
        ("page p50 / p99 (ms), streams open", lambda r: f"{r['page_p50_ms']} / {r['page_p99_ms']}"),
        ("SIGTERM -> exit with streams open (s)", lambda r: f"{r['shutdown_seconds_with_streams_open']}"),
    ]
    kinds = list(results)
    lines = markdown_table(["measure", *kinds], [[title, *(fmt(results[k]) for k in kinds)] for title, fmt in rows])
    for kind, r in results.items():
        for key, limit in TARGETS.items():
            ok = r[key] <= limit
            lines.append(f"{'PASS' if ok else 'FAIL'} {kind}: {key} {r[key]} (<= {limit})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="sends per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the sends last")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    admin_url = os.environ.get("BENCH_DATABASE_URL")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-streams-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "sqlite"):
            results["sqlite"] = run("sqlite", f"sqlite:///{workdir / 'streams.db'}", args, workdir)
        if args.only in (None, "postgresql"):
            if admin_url:
                # "<its name>_streams" is dropped and re-created: give BENCH_DATABASE_URL a name of its own
                admin_url = databases.psycopg_url(admin_url)
                name = databases.database_name(admin_url) + "_streams"
                database = databases.create(admin_url, name, replace=True)
                results["postgresql"] = run("postgresql", database, args, workdir)
            else:
                print("BENCH_DATABASE_URL not set: PostgreSQL skipped", file=sys.stderr)
    text = report(results, args)
    print(text)
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.gmtime())
    write_results(f"{stamp}-streams", {"args": vars(args), "results": results}, text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
