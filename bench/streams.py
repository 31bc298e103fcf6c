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
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "bench-streams-pw"
TARGETS = {"kib_per_stream": 50, "event_p99_ms": 250, "page_p99_ms": 100}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Server:
    def __init__(self, database_url: str, workers: int, workdir: Path):
        self.port = free_port()
        self.secret = secrets.token_hex(32)
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": self.secret,
                    "MICROBLOG_ENV": "production", "SESSION_COOKIE_SECURE": "0", "RATELIMIT_ENABLED": "0",
                    "FLASK_APP": "microblog", "SSE_MAX_STREAMS": "20000"}
        self.env.pop("TEST_DATABASE_URL", None)
        self.workers, self.log_path = workers, workdir / f"gunicorn-{self.port}.log"

    def start(self) -> None:
        subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=120)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "python:microblog.push.gunicorn_conf", "--workers",
             str(self.workers), "--bind", f"127.0.0.1:{self.port}", "microblog:create_app()"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    if len(worker_pids(self.process.pid)) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start, see {self.log_path}")

    def rss_kib(self) -> int:
        return sum(rss_kib(pid) for pid in worker_pids(self.process.pid))

    def stop(self) -> float:
        """SIGTERM; the seconds until gunicorn exited (graceful shutdown must not wait on streams)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        return time.monotonic() - started


def seed(database_url: str, count: int) -> list[tuple[int, str, str]]:
    """`count` users; returns (id, username, session token)."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from microblog.users.models import User, new_session_token, username_key

    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(User.__table__), [
            {"username": f"s{i}", "username_key": username_key(f"s{i}"), "email": f"s{i}@example.com",
             "password_hash": hashed, "session_token": new_session_token()}
            for i in range(count)])
        rows = conn.execute(sa.select(User.id, User.username, User.session_token).order_by(User.id)).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def session_cookies(secret: str, users) -> dict[str, str]:
    """The signed session cookie a browser would hold after signing in, per username."""
    from flask import Flask

    app = Flask("bench")
    app.secret_key = secret
    serializer = app.session_interface.get_signing_serializer(app)
    return {name: serializer.dumps({"_user_id": f"{uid}:{token}", "_fresh": True}) for uid, name, token in users}


async def http(port: int, method: str, path: str, cookie: str = "", form: dict | None = None,
               headers: dict | None = None) -> tuple[int, dict, str]:
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
            writer.write((f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: text/event-stream\r\n"
                          f"Cookie: session={cookie}\r\n\r\n").encode())
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
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert status == 200 and match, status
    for value in headers.get("set-cookie", []):
        if value.startswith("session="):
            cookies[sender] = value.split(";", 1)[0][len("session="):]
    return match.group(1)


async def sends(port: int, streams: Streams, cookies: dict[str, str], senders: list[str], recipients: list[str],
                rate: float, seconds: float) -> tuple[list[float], int]:
    """`rate` sends/s for `seconds`, each to a different recipient; delays POST response -> event (ms)."""
    tokens = {s: await csrf_of(port, cookies, s, recipients[0]) for s in senders}
    delays: list[float] = []
    missing = 0

    async def one(i: int) -> None:
        nonlocal missing
        sender, recipient = senders[i % len(senders)], recipients[i % len(recipients)]
        before = len(streams.unread.get(recipient, []))
        woken = streams.woken[recipient] = asyncio.Event()
        status, _, _ = await http(port, "POST", f"/send_message/{recipient}", cookies[sender],
                                  {"csrf_token": tokens[sender], "message": f"bench {i}"})
        done = time.monotonic()
        assert status == 303, status
        try:
            await asyncio.wait_for(woken.wait(), 5)
        except asyncio.TimeoutError:
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


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def measure(server: Server, users, streams_n: int, rate: float, seconds: float) -> dict:
    cookies = session_cookies(server.secret, users)
    names = [name for _, name, _ in users]
    holders, senders = names[:streams_n], names[streams_n:streams_n + 10]
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
        "streams": streams_n, "opened": streams.opened, "failed": streams.failed,
        "open_seconds": round(open_seconds, 1),
        "kib_per_stream": round((rss_after - rss_before) / max(1, streams.opened), 1),
        "rss_mib_before": round(rss_before / 1024, 1), "rss_mib_after": round(rss_after / 1024, 1),
        "sends": len(delays) + missing, "events_missing": missing,
        "event_p50_ms": round(pct(delays, 0.5), 1), "event_p99_ms": round(pct(delays, 0.99), 1),
        "page_p50_ms_quiet": round(pct(quiet, 0.5), 1), "page_p99_ms_quiet": round(pct(quiet, 0.99), 1),
        "page_p50_ms": round(pct(busy, 0.5), 1), "page_p99_ms": round(pct(busy, 0.99), 1),
    }
    shutdown = server.stop()  # streams still open: graceful shutdown must not wait them out
    streams.close()
    result["shutdown_seconds_with_streams_open"] = round(shutdown, 1)
    return result


def run(kind: str, database_url: str, args, workdir: Path) -> dict:
    server = Server(database_url, args.workers, workdir)
    server.start()
    try:
        users = seed(database_url, args.streams + 10)
        return asyncio.run(measure(server, users, args.streams, args.rate, args.seconds))
    finally:
        if server.process.poll() is None:
            server.stop()


def pg_database(admin_url: str, name: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False))


def report(results: dict, args) -> str:
    rows = [("streams open / asked", lambda r: f"{r['opened']:,} / {r['streams']:,}"),
            ("memory per stream (KiB)", lambda r: f"{r['kib_per_stream']}"),
            ("workers' RSS before -> after (MiB)", lambda r: f"{r['rss_mib_before']} -> {r['rss_mib_after']}"),
            (f"POST -> event p50 / p99 (ms), {args.rate:g} sends/s", lambda r: f"{r['event_p50_ms']} / {r['event_p99_ms']}"),
            ("events missing", lambda r: f"{r['events_missing']} of {r['sends']}"),
            ("page p50 / p99 (ms), no stream", lambda r: f"{r['page_p50_ms_quiet']} / {r['page_p99_ms_quiet']}"),
            ("page p50 / p99 (ms), streams open", lambda r: f"{r['page_p50_ms']} / {r['page_p99_ms']}"),
            ("SIGTERM -> exit with streams open (s)", lambda r: f"{r['shutdown_seconds_with_streams_open']}")]
    kinds = list(results)
    lines = ["| measure | " + " | ".join(kinds) + " |", "| --- |" + " --- |" * len(kinds)]
    lines += [f"| {title} | " + " | ".join(fmt(results[k]) for k in kinds) + " |" for title, fmt in rows]
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
                import sqlalchemy as sa

                # "<its name>_streams" is dropped and re-created: give BENCH_DATABASE_URL a name of its own
                name = sa.engine.make_url(admin_url).database + "_streams"
                database = pg_database(admin_url, name)
                results["postgresql"] = run("postgresql", database, args, workdir)
            else:
                print("BENCH_DATABASE_URL not set: PostgreSQL skipped", file=sys.stderr)
    text = report(results, args)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.gmtime())
    (out / f"{stamp}-streams.json").write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    (out / f"{stamp}-streams.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
