"""The benchmark behind `make bench` (see bench/README.md).

Seeds a database at each of three message counts, serves each with gunicorn, signs in as user1 and
measures every endpoint with wrk on 127.0.0.1 in interleaved rounds, side by side with /healthz (the
floor). Writes bench/results/<date>.json (and .md) and prints a table.

    python bench/run.py --size small|full [--duration S] [--rounds N] [--connections N] [--only sqlite|postgresql]
    BENCH_DATABASE_URL=postgresql+psycopg://user:pw@127.0.0.1/dbname  (also bench PostgreSQL; the databases
    dbname_m<messages> are dropped and re-created, so never name one you care about)
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
PASSWORD = "bench-password-1"
SEED_FORMAT = "search-prefix-1"  # part of the cached seed file names: change it when the schema changes

SIZES = {
    # users, posts, message counts (three sizes), wrk seconds per round, rounds over all endpoints, and
    # whether gthread workers are measured too (the small size leaves them out to stay under 2 minutes)
    "small": {"users": 2_000, "posts": 20_000, "messages": [1_000, 10_000, 100_000], "duration": 1, "rounds": 3,
              "gthread": False},
    "full": {"users": 10_000, "posts": 200_000, "messages": [1_000, 100_000, 1_000_000], "duration": 2,
             "rounds": 3, "gthread": True},
}

# name, path, expected status (badge rows are sent as htmx sends them, with HX-Request: true)
ENDPOINTS = [
    ("healthz (floor)", "/healthz", 200),
    ("badge idle", "/notifications/badge?shown={count}", 204),
    ("badge news", "/notifications/badge?shown=-1", 200),
    ("badge idle, both counts", "/notifications/badge?shown={count}&activity=0", 204),
    ("activity", "/activity", 200),
    ("activity p3", "/activity?page=3", 200),
    ("notifications json", "/notifications?since={since}", 200),
    ("index", "/index", 200),
    ("explore", "/explore", 200),
    ("user page", "/user/user1", 200),
    ("conversations", "/messages", 200),
    ("conversations p40", "/messages?page={page40}", 200),
    ("thread (long)", "/messages/user2", 200),
    ("thread earlier (deep)", "/messages/user2?before={deep}", 200),
    ("thread poll idle", "/messages/user2?after={after}", 204),
    ("search", "/search?q=htmx+poll", 200),
]

LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors_status": %d, "errors_other": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "FLASK_APP": "microblog",
        "DATABASE_URL": database_url,
        "MICROBLOG_ENV": "production",
        "SECRET_KEY": env.get("BENCH_SECRET_KEY", secrets.token_hex(32)),
        "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
        "PYTHONUNBUFFERED": "1",
    })
    return env


def flask(env: dict, *args: str) -> str:
    out = subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def seed(database_url: str, users: int, posts: int, messages: int) -> dict:
    env = app_env(database_url)
    flask(env, "db", "upgrade")
    out = flask(env, "seed", "--users", str(users), "--posts", str(posts), "--messages", str(messages),
                "--password", PASSWORD)
    return json.loads(out.strip().splitlines()[-1])


def sqlite_database(users: int, posts: int, messages: int) -> tuple[str, dict]:
    """A fresh copy of a seeded SQLite file (seeded once and kept in bench/data/)."""
    DATA.mkdir(parents=True, exist_ok=True)
    pristine = DATA / f"seed-{SEED_FORMAT}-u{users}-p{posts}-m{messages}.db"
    meta = pristine.with_suffix(".json")
    if not (pristine.exists() and meta.exists()):
        for f in DATA.glob(pristine.name + "*"):
            f.unlink()
        log(f"  seeding {pristine.name} ...")
        info = seed("sqlite:///" + str(pristine), users, posts, messages)
        meta.write_text(json.dumps(info))
    info = json.loads(meta.read_text())
    work = DATA / f"work-m{messages}.db"
    for f in DATA.glob(work.name + "*"):
        f.unlink()
    shutil.copyfile(pristine, work)
    os.sync()  # write the copy out now, not in the background while wrk is measuring
    return "sqlite:///" + str(work), info


def postgres_database(base_url: str, users: int, posts: int, messages: int) -> tuple[str, dict]:
    """Drop and re-create the database `<BENCH_DATABASE_URL's name>_m<messages>`, then seed it."""
    import sqlalchemy as sa

    url = sa.engine.make_url(base_url)
    url = url.set(database=f"{url.database}_m{messages}")
    base_url = url.render_as_string(hide_password=False)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()
    log(f"  seeding PostgreSQL {url.database} ...")
    return base_url, seed(base_url, users, posts, messages)


class Server:
    def __init__(self, database_url: str, worker_class: str):
        self.port = free_port()
        args = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                "--log-level", "warning", "--worker-class", worker_class]
        if worker_class == "gthread":
            args += ["--threads", "4"]
        args.append("microblog:create_app()")
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, env=app_env(database_url), cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.proc.poll() is not None or time.time() > deadline:
                    self.log.seek(0)
                    raise SystemExit("gunicorn did not start:\n" + self.log.read().decode(errors="replace"))
                time.sleep(0.2)

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def worker_rss_mb(self) -> dict:
        """Current and peak (VmHWM) resident memory of each worker, in MB."""
        out = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
            out[pid] = {"rss_mb": round(int(fields["VmRSS"]) / 1024, 1), "peak_mb": round(int(fields["VmHWM"]) / 1024, 1)}
        return out

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def login(base: str) -> tuple[str, urllib.request.OpenerDirector]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    if not token:
        raise SystemExit("no csrf_token on the login form")
    data = urllib.parse.urlencode({"username": "user1", "password": PASSWORD, "csrf_token": token.group(1)})
    opener.open(base + "/auth/login", data.encode(), timeout=30).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "session")
    if not cookie:
        raise SystemExit("login failed: no session cookie")
    return cookie, opener


def headers_for(path: str) -> dict:
    """Polls and "earlier" loads are sent as htmx sends them, with HX-Request: true."""
    htmx = path.startswith("/notifications/badge") or "after=" in path or "before=" in path
    return {"HX-Request": "true"} if htmx else {}


def probe(opener, base: str, path: str) -> tuple[int, int, dict]:
    """Status, body size and headers of one request with the signed-in session."""
    request = urllib.request.Request(base + path, headers=headers_for(path))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, len(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, len(error.read()), dict(error.headers)


def wrk(url: str, cookie: str, duration: float, connections: int, script: str) -> dict:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
            "-s", script, "-H", f"Cookie: {cookie}", url]
    parts = urllib.parse.urlsplit(url)
    for key, value in headers_for(parts.path + (f"?{parts.query}" if parts.query else "")).items():
        args[-1:-1] = ["-H", f"{key}: {value}"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout}\n{out.stderr}")
    data = json.loads(line[len("WRKJSON "):])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "max_ms": round(data["max_us"] / 1000, 2),
        "bytes_per_response": round(data["bytes"] / data["requests"]) if data["requests"] else 0,
        "requests": data["requests"],
        "bad_status": data["errors_status"],
        "socket_errors": data["errors_other"],
    }


def unread_of_user1(database_url: str) -> tuple[int, float, int]:
    """user1's stored unread count, a `since` just before their notification, and their inbox size."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT n.payload_json, n.timestamp FROM notification n JOIN \"user\" u ON u.id = n.user_id "
            "WHERE u.username = 'user1' AND n.name = 'unread_message_count'")).first()
        inbox = conn.execute(sa.text(
            "SELECT COUNT(*) FROM message m JOIN \"user\" u ON u.id = m.recipient_id "
            "WHERE u.username = 'user1'")).scalar()
    engine.dispose()
    return (int(json.loads(row[0])), float(row[1]) - 1.0, inbox) if row else (0, 0.0, inbox)


def conversations_of_user1(database_url: str) -> dict:
    """user1's number of conversations, and in the long one with user2: its length, an id 90% of the way
    back (the deep "earlier" page) and the newest message to user1 (the idle poll's cursor)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT COUNT(*) FROM conversation_member WHERE user_id = 1")).scalar()
        conversation = conn.execute(sa.text(
            "SELECT id FROM conversation WHERE user_low_id = 1 AND user_high_id = 2")).scalar()
        length = conn.execute(sa.text("SELECT COUNT(*) FROM message WHERE conversation_id = :c"),
                              {"c": conversation}).scalar()
        deep = conn.execute(sa.text("SELECT id FROM message WHERE conversation_id = :c ORDER BY id DESC "
                                    "LIMIT 1 OFFSET :o"), {"c": conversation, "o": int(length * 0.9)}).scalar()
        after = conn.execute(sa.text("SELECT MAX(id) FROM message WHERE conversation_id = :c AND recipient_id = 1"),
                             {"c": conversation}).scalar()
    engine.dispose()
    return {"conversations": n, "long": length, "deep": deep, "after": after or 0}


def median_round(results: list[dict]) -> dict:
    """The round with the median throughput (the lower middle one for an even count)."""
    ordered = sorted(results, key=lambda r: r["rps"])
    return dict(ordered[(len(ordered) - 1) // 2])


class Run:
    """One gunicorn (2 workers of one class) on one seeded database, signed in as user1, ready to measure."""

    def __init__(self, database_url: str, worker_class: str, per_page: int = 10):
        _, since, self.inbox = unread_of_user1(database_url)
        self.facts = conversations_of_user1(database_url)
        self.page40 = min(40, max(1, -(-self.facts["conversations"] // per_page)))
        self.worker_class = worker_class
        self.server = Server(database_url, worker_class)
        try:
            self.cookie, opener = login(self.server.base)
            # Open the long conversation once first: it marks its newest messages read (a write, once), as a
            # real user would; after that, visits write nothing and the idle badge matches the stored count.
            probe(opener, self.server.base, "/messages/user2")
            count, _, _ = unread_of_user1(database_url)
            self.paths = []
            for name, template, expected in ENDPOINTS:
                path = template.format(count=count, since=f"{since:.6f}", page40=self.page40,
                                       deep=self.facts["deep"], after=self.facts["after"])
                status, body, _ = probe(opener, self.server.base, path)
                if status != expected:
                    raise SystemExit(f"{name}: {path} answered {status}, expected {expected}")
                for _ in range(5):  # warm-up: templates compiled, statements cached, pages in the OS cache
                    probe(opener, self.server.base, path)
                self.paths.append((name, path, status, body))
        except BaseException:
            self.server.stop()
            raise
        self.measured: dict[str, list[dict]] = {name: [] for name, *_ in self.paths}

    def measure(self, index: int, duration: float, connections: int, script: str, label: str) -> None:
        """One round of the index-th endpoint."""
        name, path, _, _ = self.paths[index]
        result = wrk(self.server.base + path, self.cookie, duration, connections, script)
        self.measured[name].append(result)
        log(f"    {label} {name:20} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
            f"p99 {result['p99_ms']:7.2f} ms")

    def finish(self) -> dict:
        """Each endpoint's median round, its ratio to the floor's, the workers' memory; stops gunicorn."""
        try:
            rss = self.server.worker_rss_mb()
        finally:
            self.server.stop()
        rows = []
        for name, path, status, body in self.paths:
            row = median_round(self.measured[name])
            row.update({"endpoint": name, "path": path, "status": status, "body_bytes": body,
                        "rounds_rps": [r["rps"] for r in self.measured[name]]})
            rows.append(row)
        floor = rows[0]["rps"] or 1
        for r in rows:
            r["ratio"] = round(r["rps"] / floor, 3)
        return {"worker_class": self.worker_class, "endpoints": rows, "workers": rss,
                "peak_worker_rss_mb": max((w["peak_mb"] for w in rss.values()), default=None),
                "user1_inbox": self.inbox, "page40_used": self.page40}


def measure_in_rounds(runs: list[tuple[str, Run]], rounds: int, duration: float, connections: int,
                      script: str) -> None:
    """Rounds over every endpoint, floor included, each endpoint on every run in turn.

    A burst of load from a neighbour then lands on one round of a few measurements instead of on all of
    one endpoint's time, and the data sizes of one endpoint are measured side by side in time, which is
    what the 1k -> 1M comparison needs. Each row of the table is its median round.
    """
    for round_number in range(rounds):
        for index in range(len(ENDPOINTS)):
            for tag, run in runs:
                run.measure(index, duration, connections, script, f"round {round_number + 1}/{rounds} {tag:>10}")


def table(run: dict) -> str:
    lines = [f"== {run['database']} / {run['worker_class']} / messages={run['messages']:,} "
             f"(users {run['users']:,}, posts {run['posts']:,}); peak worker RSS {run['peak_worker_rss_mb']} MB"]
    lines.append(f"{'endpoint':22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bytes':>8}{'x floor':>9}  path")
    for r in run["endpoints"]:
        lines.append(f"{r['endpoint']:22}{r['rps']:9.1f}{r['p50_ms']:9.2f}{r['p99_ms']:9.2f}"
                     f"{r['bytes_per_response']:8d}{r['ratio']:9.3f}  {r['path'][:60]}")
    return "\n".join(lines)


def markdown(report: dict) -> str:
    """The runs side by side as a Markdown table (req/s / p99 ms / x floor), as bench/README.md shows them."""
    runs = report["runs"]
    head = ["endpoint", "bytes"] + [f"{r['database']} m={r['messages']:,} {r['worker_class']}" for r in runs]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for i, first in enumerate(runs[0]["endpoints"]):
        cells = [first["endpoint"], str(first["bytes_per_response"])]
        for r in runs:
            e = r["endpoints"][i]
            cells.append(f"{e['rps']:.0f} / {e['p99_ms']:.0f} / **{e['ratio']:.2f}**")
        lines.append("| " + " | ".join(cells) + " |")
    peaks = ", ".join(f"{r['peak_worker_rss_mb']} MB" for r in runs)
    return "\n".join(lines) + f"\n\nPeak worker RSS: {peaks}.\n"


def check_targets(runs: list[dict], connections: int) -> list[str]:
    """The targets of bench/README.md, as PASS/FAIL lines."""
    lines = []
    sync = [r for r in runs if r["worker_class"] != "gthread"]  # the main runs: sync, or --worker-class
    for run in sync:
        tag = f"{run['database']} m={run['messages']:,}"
        rows = {r["endpoint"]: r for r in run["endpoints"]}
        idle = rows["badge idle"]["ratio"]
        lines.append(f"{'PASS' if idle >= 0.6 else 'FAIL'} {tag}: idle badge {idle:.2f}x floor (>= 0.6)")
        for r in run["endpoints"][1:]:
            ok = r["ratio"] >= 0.1 and r["p99_ms"] < 100
            if not ok:
                lines.append(f"FAIL {tag}: {r['endpoint']} {r['ratio']:.2f}x floor, p99 {r['p99_ms']} ms "
                             f"(>= 0.1x, < 100 ms at {connections} connections)")
        if all(r["ratio"] >= 0.1 and r["p99_ms"] < 100 for r in run["endpoints"][1:]):
            lines.append(f"PASS {tag}: every page >= 0.1x floor with p99 < 100 ms")
        peak = run["peak_worker_rss_mb"] or 0
        lines.append(f"{'PASS' if peak < 150 else 'FAIL'} {tag}: peak worker RSS {peak} MB (< 150)")
    for database in sorted({r["database"] for r in sync}):
        ordered = sorted((r for r in sync if r["database"] == database), key=lambda r: r["messages"])
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
        lines.append(f"{'PASS' if abs(change) <= 0.2 else 'FAIL'} {database}: messages "
                     f"{first['messages']:,} -> {last['messages']:,}: largest change {name} {change:+.0%} "
                     f"(|change| <= 20%)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--duration", type=int, help="wrk seconds (whole) per endpoint and round")
    parser.add_argument("--rounds", type=int, help="rounds over all endpoints (each row is its median round)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gevent"],
                        help="the main runs' gunicorn workers (gevent: what make serve runs, for live push)")
    parser.add_argument("--no-gthread", action="store_true", help="skip the gthread run at the largest size (full size only)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    size = SIZES[args.size]
    duration = args.duration or size["duration"]
    rounds = args.rounds or size["rounds"]
    started = time.time()

    databases = []
    if args.only in (None, "sqlite"):
        databases.append("sqlite")
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg and args.only in (None, "postgresql"):
        if pg.startswith("postgresql://"):
            pg = "postgresql+psycopg://" + pg[len("postgresql://"):]
        databases.append("postgresql")

    runs = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
        script = f.name
    try:
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
                    meta = {"database": database, "users": size["users"], "posts": size["posts"],
                            "messages": messages, "seed": info, "url": url}
                    prepared.append((meta, Run(url, args.worker_class)))
                log(f"  {len(prepared)} gunicorns, 2 {args.worker_class} workers each; wrk {args.connections} connections, "
                    f"{rounds} rounds of {duration}s per endpoint and size")
                measure_in_rounds([(f"m={m['messages']:,}", run) for m, run in prepared], rounds, duration,
                                  args.connections, script)
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
                run = Run(url, "gthread")
                try:
                    measure_in_rounds([("gthread", run)], rounds, duration, args.connections, script)
                except BaseException:
                    run.server.stop()
                    raise
                result = run.finish()
                result.update({k: v for k, v in meta.items() if k != "url"})
                runs.append(result)
    finally:
        os.unlink(script)

    targets = check_targets(runs, args.connections)
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "size": args.size, "duration_s": duration, "rounds": rounds, "connections": args.connections,
        "wrk_threads": 2, "cpus": os.cpu_count(), "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip(),
        "runs": runs, "targets": targets, "elapsed_s": round(time.time() - started, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = (dt.date.today().isoformat() + ("" if args.size == "full" else f"-{args.size}")
            + (f"-{args.only}" if args.only else "")
            + (f"-{args.worker_class}" if args.worker_class != "sync" else "") + ".json")
    (RESULTS / name).write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / name).with_suffix(".md").write_text(markdown(report) + "\n```\n" + "\n".join(targets) + "\n```\n")
    for run in runs:
        print(table(run))
        print()
    print("\n".join(targets))
    print(f"\n{len(runs)} runs in {report['elapsed_s']}s; results in bench/results/{name}")


if __name__ == "__main__":
    main()
