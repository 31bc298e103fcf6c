"""Load and fault test: gunicorn with several workers on PostgreSQL and on SQLite, loopback only.

    python scripts/loadtest.py [--short] [--only pg,sqlite,fault] [--pg-url URL] [--workers 4]

Each scenario starts its own gunicorn (production settings, a fresh database it creates, migrates and drops),
seeds users directly, signs them in through the login form, then runs senders and badge pollers at once:

- pg, sqlite: every sender sends its messages (half to one recipient, half to random users) while the
  pollers poll their badges (and now and then the JSON feed and /messages, which marks messages read),
  and stream holders keep `/events` open like a browser tab (refetching the badge on each `unread` event,
  reconnecting when the stream drops, and never polling).
- fault (PostgreSQL only, on a cluster of its own on port 5439 so the machine's main cluster is never
  touched): the same load, and meanwhile the push listeners' connections are terminated, a worker holding
  streams is killed (SIGKILL), and the database is stopped for a few seconds and started again.

Afterwards every message that got a success must be stored exactly once (and none that got an error),
and for every user the badge, the JSON payload and /messages must equal the database truth
(messages with an id above the recipient's watermark in their conversation); every stream holder's badge,
kept by push alone, must equal it within 5 s. Exit status 0 only when every check holds.

PostgreSQL: --pg-url, else LOADTEST_PG_URL, else TEST_DATABASE_URL: a role that may CREATE DATABASE. As root
with no URL, a role `microblog_load` is created on the main cluster through `runuser -u postgres psql`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
PASSWORD = "load-test-password"
FAULT_CLUSTER, FAULT_PORT = "faulttest", 5439
FAULT_ROLE, FAULT_ROLE_PASSWORD = "microblog_fault", "microblog_fault_pw"
LOAD_ROLE, LOAD_ROLE_PASSWORD = "microblog_load", "microblog_load_pw"
UNAVAILABLE_TEXT = "briefly unavailable"  # the 503 message (microblog/errors.py), English


@dataclass
class Size:
    senders: int
    messages: int
    pollers: int
    poll_interval: float
    deadline: float  # seconds: the load phase stops here whatever happens
    max_requests: int
    send_pause: float  # a sender waits up to this long between two messages
    streams: int = 0  # users who hold /events open instead of polling


FULL = Size(senders=50, messages=20, pollers=200, poll_interval=1.0, deadline=120, max_requests=40_000,
            send_pause=1.0, streams=200)
SHORT = Size(senders=10, messages=6, pollers=30, poll_interval=0.5, deadline=25, max_requests=6_000,
             send_pause=1.0, streams=30)


# ---------------------------------------------------------------- HTTP client (stdlib, one connection per request)


@dataclass
class Result:
    endpoint: str
    status: int  # 0: no answer (connection refused, reset, timeout)
    seconds: float
    started: float
    body: str = ""
    content_type: str = ""


class Recorder:
    def __init__(self, max_requests: int):
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.max_requests = max_requests
        self.stop = threading.Event()

    def add(self, result: Result) -> None:
        with self.lock:
            # Keep bodies of failures only (they are checked for stack traces); successes need no body.
            if result.status < 500 and result.status != 0:
                result.body = ""
            self.results.append(result)
            if len(self.results) >= self.max_requests:
                self.stop.set()


class Client:
    """One signed-in browser: a cookie jar and the CSRF token of its session."""

    def __init__(self, port: int, recorder: Recorder, username: str):
        self.port, self.recorder, self.username = port, recorder, username
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, endpoint: str, method: str, path: str, form: dict | None = None,
                headers: dict | None = None, record: bool = True) -> Result:
        body = urlencode(form).encode() if form is not None else None
        hdrs = {"Host": f"127.0.0.1:{self.port}", "Connection": "close", **(headers or {})}
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            result = Result(endpoint, response.status, time.monotonic() - started, started, text,
                            response.getheader("Content-Type") or "")
            conn.close()
        except (OSError, http.client.HTTPException) as exc:
            result = Result(endpoint, 0, time.monotonic() - started, started, repr(exc))
        if record:
            self.recorder.add(Result(result.endpoint, result.status, result.seconds, result.started,
                                     result.body, result.content_type))
        return result

    def login(self) -> bool:
        form = self.request("login", "GET", "/auth/login")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.body)
        if form.status != 200 or not match:
            return False
        self.csrf = match.group(1)
        done = self.request("login", "POST", "/auth/login",
                            {"csrf_token": self.csrf, "username": self.username, "password": PASSWORD})
        if done.status != 303:
            return False
        # Signing in rotates the CSRF token (a token seen before sign-in is worth nothing after it): read the
        # new one from the first page, as a browser does.
        home = self.request("login", "GET", "/index")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', home.body)
        if home.status != 200 or not match:
            return False
        self.csrf = match.group(1)
        return True


HTMX = {"HX-Request": "true"}


def badge_count(html: str) -> int | None:
    """The count the badge states for screen readers ("3 unread messages"); 0 when it says nothing."""
    match = re.search(r'id="message-count".*?class="visually-hidden">([^<]*)<', html, re.S)
    if match is None:
        return None
    number = re.search(r"\d+", match.group(1))
    return int(number.group()) if number else 0


# ---------------------------------------------------------------- servers and databases


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(sql: str, port: int = 5432) -> str:
    out = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-qAtX", "-v",
                          "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def ensure_role(role: str, password: str, port: int) -> None:
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'", port) != "1":
        psql(f"CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{password}'", port)


def pg_version() -> str:
    return sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]


def fault_cluster_ready() -> str:
    """Create (if missing) and start the throw-away cluster on port 5439; return an admin URL for it."""
    version = pg_version()
    listing = subprocess.run(["pg_lsclusters", "-h"], check=True, capture_output=True, text=True).stdout
    if not any(line.split()[:2] == [version, FAULT_CLUSTER] for line in listing.splitlines()):
        subprocess.run(["pg_createcluster", version, FAULT_CLUSTER, "--port", str(FAULT_PORT)],
                       check=True, capture_output=True)
    cluster_ctl("start")
    ensure_role(FAULT_ROLE, FAULT_ROLE_PASSWORD, FAULT_PORT)
    return f"postgresql+psycopg://{FAULT_ROLE}:{FAULT_ROLE_PASSWORD}@127.0.0.1:{FAULT_PORT}/postgres"


def cluster_ctl(action: str) -> None:
    """Start or stop (fast: sessions are cut off) the fault-test cluster; doing what is already done is fine.

    Returns only when the cluster is really up (accepting connections) or really down.
    """
    version = pg_version()
    args = ["pg_ctlcluster", version, FAULT_CLUSTER, action] + (["-m", "fast"] if action == "stop" else [])
    result = subprocess.run(args, capture_output=True, text=True)
    output = (result.stderr + result.stdout).lower()
    if result.returncode != 0 and "already running" not in output and "not running" not in output:
        raise RuntimeError(f"{' '.join(args)}: {output.strip()}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(FAULT_PORT)]).returncode == 0
        if ready == (action == "start"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"cluster {FAULT_CLUSTER} did not {action}")


def main_admin_url(explicit: str | None) -> str | None:
    url = explicit or os.environ.get("LOADTEST_PG_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    if os.geteuid() == 0 and shutil.which("runuser") and shutil.which("pg_lsclusters"):
        try:
            ensure_role(LOAD_ROLE, LOAD_ROLE_PASSWORD, 5432)
        except (subprocess.CalledProcessError, OSError):
            return None
        return f"postgresql+psycopg://{LOAD_ROLE}:{LOAD_ROLE_PASSWORD}@127.0.0.1:5432/postgres"
    return None


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def admin_execute(admin_url: str, sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(with_database(admin_url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def drop_database(admin_url: str, name: str) -> None:
    """End our own sessions in `name`, then a plain DROP (which also stops autovacuum; FORCE would refuse to)."""
    import sqlalchemy as sa

    engine = sa.create_engine(with_database(admin_url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                                 " AND usename = current_user AND pid <> pg_backend_pid()"), {"name": name})
            for attempt in range(20):
                try:
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
                    return
                except sa.exc.OperationalError as error:
                    if attempt == 19 or "being accessed by other users" not in str(error):
                        raise
                    time.sleep(0.25)
    finally:
        engine.dispose()


class Server:
    """gunicorn with production settings on a loopback port."""

    def __init__(self, database_url: str, workers: int, workdir: Path):
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "MICROBLOG_ENV": "production",
            "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
            "FLASK_APP": "microblog",
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def migrate(self) -> None:
        subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "python:microblog.push.gunicorn_conf", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "60", "--graceful-timeout", "5", "microblog:create_app()"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        probe = Client(self.port, Recorder(10**9), "")
        while time.monotonic() < deadline:
            if probe.request("healthz", "GET", "/healthz", record=False).status == 200:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}:\n{self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def seed(database_url: str, names: list[str]) -> None:
    """Insert the users directly (one cheap password hash shared by all: logins are not what we measure)."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from microblog.users.models import User, new_session_token, username_key

    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(User.__table__), [
                {"username": name, "username_key": username_key(name), "email": f"{name}@example.com",
                 "password_hash": hashed, "session_token": new_session_token()}
                for name in names
            ])
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the load


@dataclass
class Sent:
    body: str
    recipient: str
    status: int
    started: float


@dataclass
class Load:
    port: int
    size: Size
    recorder: Recorder
    rng: random.Random
    run_id: str
    clients: dict[str, Client] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    sent_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def recipient(self) -> str:
        return "target"

    def names(self) -> list[str]:
        return ([self.recipient] + [f"sender{i}" for i in range(self.size.senders)]
                + [f"poller{i}" for i in range(self.size.pollers)] + [f"stream{i}" for i in range(self.size.streams)])

    def login_all(self) -> None:
        names = self.names()
        failures: list[str] = []
        gate = threading.Semaphore(8)

        def one(name: str) -> None:
            with gate:
                client = Client(self.port, self.recorder, name)
                if client.login():
                    self.clients[name] = client
                else:
                    failures.append(name)

        run_threads([lambda n=n: one(n) for n in names])
        if failures:
            raise RuntimeError(f"{len(failures)} users could not sign in, e.g. {failures[:3]}")

    def sender(self, name: str, pause: float) -> None:
        client = self.clients[name]
        others = [n for n in self.clients if n != name]
        for i in range(self.size.messages):
            if self.recorder.stop.is_set():
                return
            to = self.recipient if i % 2 == 0 else self.rng.choice(others)
            body = f"{self.run_id} {name} #{i}"
            result = client.request("send", "POST", f"/send_message/{quote(to)}",
                                    {"csrf_token": client.csrf, "message": body})
            with self.sent_lock:
                self.sent.append(Sent(body, to, result.status, result.started))
            time.sleep(self.rng.uniform(0, pause))

    def poller(self, name: str, reads: bool) -> None:
        client = self.clients[name]
        shown = 0
        since = 0.0
        rng = random.Random(self.rng.random())
        time.sleep(rng.uniform(0, self.size.poll_interval))
        i = 0
        while not self.recorder.stop.is_set():
            i += 1
            result = client.request("badge", "GET", f"/notifications/badge?shown={shown}", headers=HTMX)
            if result.status == 200:
                count = badge_count(result.body)
                shown = count if count is not None else shown
            if i % 10 == 0:
                feed = client.request("notifications", "GET", f"/notifications?since={since!r}")
                if feed.status == 200:
                    try:
                        since = max([since] + [n["timestamp"] for n in json.loads(feed.body or "[]")])
                    except (ValueError, KeyError, TypeError):
                        pass
            if reads and i % 5 == 0:
                client.request("messages", "GET", "/messages")
            self.recorder.stop.wait(rng.uniform(0.5, 1.5) * self.size.poll_interval)

    def streamer(self, name: str, stop: threading.Event, shown: dict[str, int], reconnects: list[str]) -> None:
        """A browser tab with push: /events open, the badge refetched on each `unread`, never polled.
        A dropped stream reconnects after the server's `retry` (2 s), with the count it shows."""
        client = self.clients[name]
        shown[name] = 0
        first = True
        while not stop.is_set():
            if not first:
                reconnects.append(name)
                stop.wait(2.0)
            first = False
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=40)
                conn.request("GET", f"/events?shown={shown[name]}",
                             headers={"Accept": "text/event-stream", "Cookie": cookie})
                response = conn.getresponse()
                if response.status != 200:
                    client.recorder.add(Result("events", response.status, 0.0, time.monotonic(),
                                               response.read().decode("utf-8", "replace")))
                    conn.close()
                    continue
                while not stop.is_set():
                    line = response.readline()
                    if not line or line.startswith(b"event: close"):
                        break
                    if line.startswith(b"event: unread"):
                        badge = client.request("badge", "GET", f"/notifications/badge?shown={shown[name]}",
                                               headers=HTMX)
                        if badge.status == 200:
                            count = badge_count(badge.body)
                            shown[name] = count if count is not None else shown[name]
                conn.close()
            except (OSError, http.client.HTTPException):
                continue

    def start_streams(self) -> tuple[threading.Event, dict[str, int], list[str]]:
        stop, shown, reconnects = threading.Event(), {}, []
        start_threads([lambda n=n: self.streamer(n, stop, shown, reconnects)
                       for n in self.clients if n.startswith("stream")])
        return stop, shown, reconnects

    def run(self, during=None) -> float:
        """Senders and pollers at once; returns the wall time. `during` runs alongside (the fault)."""
        pollers = [n for n in self.clients if n.startswith("poller")] + [self.recipient]
        readers = set(pollers[:: max(1, len(pollers) // 10)]) | {self.recipient}
        senders = [n for n in self.clients if n.startswith("sender")]
        started = time.monotonic()
        timer = threading.Timer(self.size.deadline, self.recorder.stop.set)
        timer.start()
        poll_threads = start_threads([lambda n=n: self.poller(n, n in readers) for n in pollers])
        extra = start_threads([during]) if during else []
        send_threads = start_threads([lambda n=n: self.sender(n, self.size.send_pause) for n in senders])
        for thread in extra:
            thread.join()
            self.recorder.stop.set()  # the scenario alongside decides when the load ends
        for thread in send_threads:
            thread.join()
        self.recorder.stop.set()
        timer.cancel()
        for thread in poll_threads:
            thread.join()
        return time.monotonic() - started


def start_threads(targets) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    return threads


def run_threads(targets) -> None:
    for thread in start_threads(targets):
        thread.join()


# ---------------------------------------------------------------- checks


def check_exactness(load: Load, database_url: str, problems: list[str]) -> dict:
    """Messages stored exactly once; badge, JSON and /messages equal the database truth for every user."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = dict(conn.execute(sa.text(
                "SELECT body, count(*) FROM message WHERE body LIKE :p GROUP BY body"), {"p": load.run_id + " %"}).all())
            truth = _truth(conn)
    finally:
        engine.dispose()
    ok = [s for s in load.sent if s.status == 303]
    refused = [s for s in load.sent if 400 <= s.status < 600]
    unknown = [s for s in load.sent if s.status == 0]
    duplicates = [b for b, n in stored.items() if n != 1]
    lost = [s.body for s in ok if s.body not in stored]
    ghost = [s.body for s in refused if s.body in stored]
    if duplicates:
        problems.append(f"{len(duplicates)} messages stored more than once, e.g. {duplicates[:2]}")
    if lost:
        problems.append(f"{len(lost)} messages answered 303 but not stored, e.g. {lost[:2]}")
    if ghost:
        problems.append(f"{len(ghost)} messages answered with an error but stored, e.g. {ghost[:2]}")
    extra = len(stored) - len(ok) - len([s for s in unknown if s.body in stored])
    if extra:
        problems.append(f"{extra} stored messages nobody got a success for")

    mismatches: list[str] = []
    lock = threading.Lock()
    gate = threading.Semaphore(8)

    def one(name: str, client: Client) -> None:
        with gate:
            uid, expected = truth[name]
            badge = client.request("verify", "GET", "/notifications/badge", headers=HTMX)
            got_badge = badge_count(badge.body) if badge.status == 200 else f"HTTP {badge.status}"
            feed = client.request("verify", "GET", "/notifications")
            got_feed = None
            if feed.status == 200:
                got_feed = 0
                for n in json.loads(feed.body):
                    if n["name"] == "unread_message_count":
                        got_feed = n["data"]
            inbox = client.request("verify", "GET", "/messages")
            got_inbox = badge_count(inbox.body) if inbox.status == 200 else f"HTTP {inbox.status}"
            wrong = []
            if got_badge != expected:
                wrong.append(f"badge {got_badge}")
            if got_feed != expected:
                wrong.append(f"json {got_feed}")
            with lock:
                if wrong:
                    mismatches.append(f"{name}: truth {expected}, " + ", ".join(wrong))
                inbox_counts[name] = got_inbox

    inbox_counts: dict[str, object] = {}
    run_threads([lambda n=n, c=c: one(n, c) for n, c in load.clients.items()])
    # /messages marked the newest page read: what it showed must equal the truth after it did so.
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            after = _truth(conn)
    finally:
        engine.dispose()
    for name, shown in inbox_counts.items():
        if shown != after[name][1]:
            mismatches.append(f"{name}: /messages shows {shown}, truth {after[name][1]}")
    if mismatches:
        problems.append(f"{len(mismatches)} users' counts disagree with the database, e.g. {mismatches[:3]}")
    return {"sent_ok": len(ok), "refused": len(refused), "no_answer": len(unknown), "stored": len(stored),
            "users_checked": len(inbox_counts), "mismatches": len(mismatches),
            "target_unread": truth[load.recipient][1]}


def check_push(load: Load, database_url: str, shown: dict[str, int], problems: list[str]) -> dict:
    """Every stream holder's badge, moved by push alone, equals the database within 5 s."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        deadline = time.monotonic() + 5.0
        while True:
            with engine.connect() as conn:
                truth = _truth(conn)
            wrong = [f"{n}: shows {c}, truth {truth[n][1]}" for n, c in shown.items() if c != truth[n][1]]
            if not wrong or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    if len(shown) != load.size.streams:
        problems.append(f"only {len(shown)} of {load.size.streams} streams ran")
    if wrong:
        problems.append(f"{len(wrong)} stream holders' badges are wrong 5 s after the load, e.g. {wrong[:3]}")
    return {"streams": len(shown), "stream_mismatches": len(wrong),
            "stream_unread": sum(truth[n][1] for n in shown)}


def _truth(conn) -> dict[str, tuple[int, int]]:
    import sqlalchemy as sa

    rows = conn.execute(sa.text(
        'SELECT u.username, u.id, (SELECT count(*) FROM conversation_member cm JOIN message m '
        'ON m.conversation_id = cm.conversation_id AND m.recipient_id = cm.user_id '
        'AND m.id > cm.last_read_message_id WHERE cm.user_id = u.id) FROM "user" u')).all()
    return {name: (uid, count) for name, uid, count in rows}


def check_errors(recorder: Recorder, server: Server, problems: list[str], allow_503=None,
                 allow_no_answer=None) -> None:
    """No 5xx (outside the outage window: only 503s with a clear message, never a stack trace); no request
    left without an answer (except those a killed worker was serving)."""
    bad = []
    for r in recorder.results:
        if r.status >= 500 or r.status == 0:
            if allow_503 is not None and r.status == 503 and allow_503(r):
                continue
            if allow_no_answer is not None and r.status == 0 and allow_no_answer(r):
                continue
            bad.append(r)
    if bad:
        sample = bad[0]
        problems.append(f"{len(bad)} requests failed (5xx or no answer), e.g. {sample.endpoint} "
                        f"HTTP {sample.status}: {sample.body[:200]!r}")
    for r in recorder.results:
        if r.status >= 500 and ("Traceback" in r.body or 'File "/' in r.body):
            problems.append(f"a {r.status} answer to {r.endpoint} shows a stack trace")
            break
    log = server.log_text()
    if "database is locked" in log:
        problems.append("the server log says 'database is locked'")
    if "[CRITICAL] WORKER TIMEOUT" in log or "Worker exiting" in log:
        problems.append("a gunicorn worker timed out or died")


def table(title: str, recorder: Recorder, wall: float) -> str:
    by: dict[str, list[Result]] = {}
    for r in recorder.results:
        by.setdefault(r.endpoint, []).append(r)
    lines = [title, f"{'endpoint':<14}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}  statuses"]
    order = ["login", "send", "badge", "notifications", "messages", "verify", "probe"]
    for name in sorted(by, key=lambda n: order.index(n) if n in order else 99):
        rs = by[name]
        times = sorted(r.seconds * 1000 for r in rs)
        errors = sum(1 for r in rs if r.status >= 500 or r.status == 0)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        statuses: dict[int, int] = {}
        for r in rs:
            statuses[r.status] = statuses.get(r.status, 0) + 1
        status_text = " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))
        lines.append(f"{name:<14}{len(rs):>9}{errors:>8}{statistics.median(times):>9.1f}{p99:>9.1f}  {status_text}")
    total = len(recorder.results)
    lines.append(f"{'total':<14}{total:>9}{sum(1 for r in recorder.results if r.status >= 500 or r.status == 0):>8}"
                 f"   in {wall:.1f} s of load ({total / max(wall, 0.001):.0f} req/s overall)")
    return "\n".join(lines)


# ---------------------------------------------------------------- scenarios


def scenario_load(kind: str, database_url: str, size: Size, workers: int, workdir: Path, seed_value: int) -> list[str]:
    problems: list[str] = []
    server = Server(database_url, workers, workdir)
    server.migrate()
    recorder = Recorder(size.max_requests)
    load = Load(0, size, recorder, random.Random(seed_value), run_id=f"load-{secrets.token_hex(3)}")
    seed(database_url, load.names())
    server.start()
    try:
        load.port = server.port
        load.login_all()
        stop_streams, shown, reconnects = load.start_streams()
        wall = load.run()
        push = check_push(load, database_url, shown, problems)
        stop_streams.set()
        load_results = list(recorder.results)
        check_errors(recorder, server, problems)
        verify = Recorder(10**9)
        for client in load.clients.values():
            client.recorder = verify
        summary = check_exactness(load, database_url, problems)
        check_errors(verify, server, problems)
        expected = size.senders * size.messages
        if summary["sent_ok"] != expected:
            problems.append(f"only {summary['sent_ok']} of {expected} sends were answered 303")
        if not any(r.endpoint == "badge" for r in load_results):
            problems.append("no badge poll ran")
    finally:
        server.stop()
    shown = Recorder(10**9)
    shown.results = load_results + verify.results
    print(table(f"\n== {kind}: gunicorn --workers {workers}; {size.senders} senders x {size.messages} messages, "
                f"{size.pollers} pollers", shown, wall))
    print(f"exactness: {summary['sent_ok']} sends answered 303, {summary['stored']} stored (each once: "
          f"{'yes' if not any('more than once' in p for p in problems) else 'NO'}), refused {summary['refused']}, "
          f"no answer {summary['no_answer']}; badge + JSON + /messages checked for {summary['users_checked']} users, "
          f"{summary['mismatches']} mismatches (recipient had {summary['target_unread']} unread)")
    print(f"push: {push['streams']} streams (badges moved by push alone, {push['stream_unread']} unread in all), "
          f"{push['stream_mismatches']} wrong 5 s after the load; {len(reconnects)} reconnects")
    return problems


def scenario_fault(admin_url: str, size: Size, workers: int, workdir: Path, seed_value: int, outage: float) -> list[str]:
    problems: list[str] = []
    name = f"microblog_fault_{os.getpid()}"
    admin_execute(admin_url, f"CREATE DATABASE {name}")
    database_url = with_database(admin_url, name)
    server = Server(database_url, workers, workdir)
    timeline: dict[str, float] = {}
    try:
        server.migrate()
        recorder = Recorder(size.max_requests)
        load = Load(0, size, recorder, random.Random(seed_value), run_id=f"fault-{secrets.token_hex(3)}")
        seed(database_url, load.names())
        server.start()
        load.port = server.port
        load.login_all()
        probe = Client(server.port, recorder, load.recipient)
        probe.cookies, probe.csrf = dict(load.clients[load.recipient].cookies), load.clients[load.recipient].csrf

        def terminate_listeners() -> int:
            import sqlalchemy as sa

            engine = sa.create_engine(database_url)
            try:
                with engine.connect() as conn:
                    return len(conn.execute(sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name = 'microblog-push-listener'")).all())
            finally:
                engine.dispose()

        def fault() -> None:
            time.sleep(2.0)
            timeline["listeners"] = time.monotonic()  # the push fan-out's connections go away
            timeline["listeners_killed"] = terminate_listeners()
            time.sleep(2.0)
            workers = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                                     text=True).stdout.split()
            timeline["kill"] = time.monotonic()  # a worker holding streams dies
            os.kill(int(workers[0]), signal.SIGKILL)
            time.sleep(2.0)
            timeline["stop"] = time.monotonic()
            cluster_ctl("stop")
            timeline["stopped"] = time.monotonic()
            time.sleep(outage)
            cluster_ctl("start")
            timeline["up"] = time.monotonic()
            # How long until the app answers normally again, without a restart: readiness and a badge poll.
            while time.monotonic() - timeline["up"] < 15:
                ready = probe.request("probe", "GET", "/readyz")
                badge = probe.request("probe", "GET", "/notifications/badge", headers=HTMX)
                if ready.status == 200 and badge.status == 200:
                    timeline["recovered"] = time.monotonic()
                    break
                time.sleep(0.1)
            time.sleep(2.0)  # keep the load on for a while after recovery

        # Slower senders so that sends span the whole outage.
        # Senders go on until the fault is over (under the 30-a-minute rate limit per sender).
        load.size = Size(size.senders, 28, size.pollers,
                         size.poll_interval, size.deadline + outage + 20, size.max_requests, send_pause=0.5,
                         streams=size.streams)
        stop_streams, shown, reconnects = load.start_streams()
        wall = load.run(during=fault)
        push = check_push(load, database_url, shown, problems)
        stop_streams.set()
        outage_end = timeline.get("up", 0) + 5.0

        def in_outage(r: Result) -> bool:
            # Still waiting (in gunicorn's queue or in flight) when the database stopped, or started before
            # it had been back for 5 s.
            return r.started + r.seconds >= timeline.get("stop", 1e18) and r.started <= outage_end

        def cut_by_the_kill(r: Result) -> bool:
            # In flight on the worker that was killed: the connection is reset, there is no answer to give.
            return r.started <= timeline.get("kill", -1) <= r.started + r.seconds + 0.5

        check_errors(recorder, server, problems, allow_503=in_outage, allow_no_answer=cut_by_the_kill)
        # Every 503 is a clear answer in the form of its route: JSON, an htmx fragment, or a page.
        seen: dict[str, int] = {}
        for r in recorder.results:
            if r.status != 503:
                continue
            seen[r.endpoint] = seen.get(r.endpoint, 0) + 1
            if r.endpoint == "notifications":
                ok = r.content_type.startswith("application/json") and UNAVAILABLE_TEXT in json.loads(r.body)["message"]
            elif r.endpoint == "badge":
                ok = 'id="error"' in r.body and "<html" not in r.body and UNAVAILABLE_TEXT in r.body
            elif r.endpoint == "probe" and r.content_type.startswith("application/json"):
                ok = json.loads(r.body).get("database") == "down"
            else:
                ok = "<html" in r.body and UNAVAILABLE_TEXT in r.body
            if not ok:
                problems.append(f"unclear 503 answer to {r.endpoint}: {r.body[:300]!r}")
                break
        if not seen:
            problems.append("no request got a 503 during the outage: the fault did not bite")
        if not timeline.get("listeners_killed"):
            problems.append("no push listener connection was found to terminate")
        if not reconnects:
            problems.append("no stream reconnected: the killed worker held none")
        if "recovered" not in timeline:
            problems.append("the app did not recover within 15 s of the database returning")
        elif timeline["recovered"] - timeline["up"] > 5:
            problems.append(f"recovery took {timeline['recovered'] - timeline['up']:.1f} s (> 5 s)")
        late = [r for r in recorder.results if r.started > outage_end and (r.status >= 500 or r.status == 0)]
        cut = sum(1 for r in recorder.results if r.status == 0 and cut_by_the_kill(r))
        timeline["cut"] = cut
        if late:
            problems.append(f"{len(late)} failures more than 5 s after the database returned")
        load_results = list(recorder.results)
        verify = Recorder(10**9)
        for client in load.clients.values():
            client.recorder = verify
        summary = check_exactness(load, database_url, problems)
        check_errors(verify, server, problems)
    finally:
        server.stop()
        cluster_ctl("start")
        try:
            admin_execute(admin_url, f"DROP DATABASE IF EXISTS {name}")
        finally:
            cluster_ctl("stop")
    shown = Recorder(10**9)
    shown.results = load_results + verify.results
    print(table(f"\n== fault (PostgreSQL cluster {FAULT_CLUSTER}:{FAULT_PORT} stopped {outage:.0f} s under load): "
                f"gunicorn --workers {workers}", shown, wall))
    failed_503 = sum(1 for r in load_results if r.status == 503)
    print(f"outage: {failed_503} requests answered 503 (clear message, no stack trace: "
          f"{'yes' if not any('503 answer' in p or 'stack trace' in p for p in problems) else 'NO'}); "
          f"stop took {timeline.get('stopped', 0) - timeline.get('stop', 0):.1f} s; app serving again "
          f"{timeline.get('recovered', float('nan')) - timeline.get('up', 0):.2f} s after the database was up")
    print(f"messages: {summary['sent_ok']} sends answered 303 and all stored once; {summary['refused']} refused "
          f"(503/429) and none stored; {summary['no_answer']} without answer; "
          f"{summary['mismatches']} count mismatches over {summary['users_checked']} users")
    print(f"push: {timeline.get('listeners_killed', 0)} listener connections terminated, a worker killed "
          f"({timeline.get('cut', 0)} requests in flight on it got no answer), the "
          f"database stopped; {len(reconnects)} stream reconnects; {push['streams']} badges kept by push alone, "
          f"{push['stream_mismatches']} wrong 5 s after the load")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
                name = f"microblog_load_{os.getpid()}"
                admin_execute(admin, f"CREATE DATABASE {name}")
                try:
                    problems["pg"] = scenario_load("PostgreSQL", with_database(admin, name), size, args.workers,
                                                   workdir, args.seed)
                finally:
                    drop_database(admin, name)
        if "sqlite" in wanted:
            url = "sqlite:///" + str(workdir / "load.db")
            problems["sqlite"] = scenario_load("SQLite", url, size, args.workers, workdir, args.seed)
        if "fault" in wanted:
            if os.geteuid() != 0 or not shutil.which("pg_createcluster"):
                problems["fault"] = ["the fault test needs root and pg_createcluster (a cluster of its own on 5439)"]
            else:
                problems["fault"] = scenario_fault(fault_cluster_ready(), size, args.workers, workdir, args.seed,
                                                   args.outage)
    print()
    failed = False
    for scenario, found in problems.items():
        print(f"{scenario}: {'OK' if not found else 'FAILED'}")
        for problem in found:
            print(f"  - {problem}")
        failed = failed or bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
