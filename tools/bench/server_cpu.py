"""The server's CPU per request of each kind a tab sends, measured in a real worker: one gevent worker
(`make serve`'s config) on the seeded tabs database, its user + system time (/proc) over K requests of one
kind, each on its own connection as bench/tabs.py sends them (bench/README.md "Tabs").

    .venv/bin/python -m tools.bench.server_cpu [--requests 2000] [--concurrency 8] [--only REGEX]

Rows: `idle` (the worker's own CPU per second with nothing to do: the push watcher's checks), `healthz`,
`badge idle` (each user's page's own hx-vals: 204), `badge news` (a stale `shown`: 200), `page` (/index),
`thread page` (/messages/<the next user>) and `send` (that page, then its form posted as htmx posts it),
`stream` (/events opened, its first event read, closed, and the worker's noticing it at the next heartbeat),
`heartbeat` (per heartbeat of an open, idle stream). Idle CPU is subtracted from every row. Includes what
an in-process figure leaves out: gunicorn's parsing and writing, the socket calls, gevent's switches.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time

from bench.streams import http, session_cookies
from bench.tab import parse_badge, parse_form
from bench.tabs import SEED, cpu_seconds, seeded_users
from tools.bench.data import sqlite_database
from tools.harness.server import Server
from tools.harness.server import stream_request

HTMX = {"HX-Request": "true"}
HEARTBEAT = 2  # seconds (0.75-1.25x): closed streams are noticed within 2.5 s, heartbeats counted often


async def burst(port, jobs, concurrency: int) -> list[int]:
    gate = asyncio.Semaphore(concurrency)

    async def one(job):
        async with gate:
            method, path, cookie, headers = job
            if path == "/events":
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(stream_request(port, cookie))
                status = await reader.readline()
                await reader.readuntil(b"\n\n")
                await reader.readuntil(b"\n\n")  # the headers, then the state sent on connect
                writer.close()
                return int(status.split()[1])
            if method == "SEND":  # the thread page of `path`'s user, then its form posted as htmx posts it
                status, got, text = await http(port, "GET", path, cookie)
                cookie = next((c.split(";")[0][len("session=") :] for c in got.get("set-cookie", [])), cookie)
                action, token = parse_form(text)
                form = {"csrf_token": token, "message": "server_cpu"}
                return (await http(port, "POST", action, cookie, form=form, headers=HTMX))[0]
            return (await http(port, method, path, cookie, headers=headers))[0]

    return await asyncio.gather(*(one(j) for j in jobs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--streams", type=int, default=1000, help="open streams for the heartbeat row")
    parser.add_argument("--only", help="a regular expression over the rows")
    args = parser.parse_args()
    url, _ = sqlite_database(1000, SEED["posts"], SEED["messages"])
    env = {
        "RATELIMIT_ENABLED": "0",
        "SSE_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "SSE_MAX_STREAMS": "20000",
        "SSE_MAX_STREAMS_PER_USER": "1000",
    }
    server = Server(url, 1, env=env, args=("--log-level", "warning")).start()
    pids = server.worker_pids()
    rows = []
    try:
        users = seeded_users(url, 1000)
        cookies = list(session_cookies(server.secret, users).values())
        loop = asyncio.new_event_loop()
        run = loop.run_until_complete
        pages = run(burst(server.port, [("GET", "/index", c, {}) for c in cookies[:200]], 8))
        assert set(pages) == {200}, pages
        vals = {}
        for c in cookies[:200]:
            badge = parse_badge(run(http(server.port, "GET", "/index", c))[2])
            vals[c] = "&".join(f"{k}={v}" for k, v in badge.vals.items())
        polled = list(vals)
        time.sleep(HEARTBEAT * 1.5)

        def measure(name, jobs, settle=0.0):
            if args.only and not re.search(args.only, name):
                return
            before, started = cpu_seconds(pids), time.monotonic()
            statuses = run(burst(server.port, jobs, args.concurrency)) if jobs else []
            time.sleep(settle)
            cpu, wall = cpu_seconds(pids) - before, time.monotonic() - started
            count = len(jobs)
            us = (cpu - idle * wall) / count * 1e6
            codes = sorted(set(statuses))
            rows.append((name, codes, count, us))
            print(f"  {name}: {us:.0f} us over {count} ({codes}, {wall:.1f} s)", file=sys.stderr)

        run(burst(server.port, [("GET", f"/notifications/badge?{vals[c]}", c, HTMX) for c in polled], 8))
        start = cpu_seconds(pids)  # the push watcher started (by the polls above): its checks are idle CPU
        time.sleep(5)
        idle = (cpu_seconds(pids) - start) / 5
        rows.append(("idle", [], 0, idle * 1e6))
        n, every = args.requests, lambda i: polled[i % len(polled)]
        measure("healthz", [("GET", "/healthz", every(i), {}) for i in range(n)])
        measure("badge idle", [("GET", f"/notifications/badge?{vals[every(i)]}", every(i), HTMX) for i in range(n)])
        stale = {c: re.sub(r"shown=\d+", "shown=99999", v) for c, v in vals.items()}
        measure("badge news", [("GET", f"/notifications/badge?{stale[every(i)]}", every(i), HTMX) for i in range(n)])
        measure("page", [("GET", "/index", every(i), {}) for i in range(n // 4)])
        names = [name for _, name, _ in users]
        pairs = [(cookies[i], names[(i + 1) % len(names)]) for i in range(n // 8)]
        measure("thread page", [("GET", f"/messages/{to}", c, {}) for c, to in pairs])
        measure("send (thread page + POST)", [("SEND", f"/messages/{to}", c, {}) for c, to in pairs])
        measure("stream", [("GET", "/events", every(i), {}) for i in range(n // 2)], settle=HEARTBEAT * 1.25 + 1)
        if not args.only or re.search(args.only, "heartbeat"):
            holders = []

            async def hold(c):
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(stream_request(server.port, c))
                holders.append((reader, writer))

            async def drain(seconds):
                async def read(reader):
                    try:
                        while True:
                            await reader.read(65536)
                    except Exception:  # noqa: BLE001 - closed at the end
                        return

                tasks = [asyncio.ensure_future(read(r)) for r, _ in holders]
                await asyncio.sleep(seconds)
                for t in tasks:
                    t.cancel()

            async def open_all():
                await asyncio.gather(*(hold(cookies[i % len(cookies)]) for i in range(args.streams)))

            run(open_all())
            run(drain(HEARTBEAT * 2))
            before, started = cpu_seconds(pids), time.monotonic()
            run(drain(10))
            cpu, wall = cpu_seconds(pids) - before, time.monotonic() - started
            beats = args.streams * wall / HEARTBEAT
            rows.append(("heartbeat", [], int(beats), (cpu - idle * wall) / beats * 1e6))
            for _, w in holders:
                w.close()
        loop.close()
    finally:
        server.stop(30)
    print("| request | status | count | server CPU us per request |")
    print("| --- | --- | --- | --- |")
    for name, codes, count, us in rows:
        print(
            f"| {name} | {','.join(map(str, codes)) or '-'} | {count:,} | {us:.0f}{' per second' if name == 'idle' else ''} |"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
