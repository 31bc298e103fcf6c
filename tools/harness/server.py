"""gunicorn on a free loopback port with production settings, and `flask` commands in the same environment."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import ROOT

PYTHON = sys.executable
# microblog/push/gunicorn_conf.py: gevent workers with the page gate, as `make serve` runs them
PUSH_CONFIG = "python:microblog.push.gunicorn_conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stream_request(port: int, cookie: str, path: str = "/events") -> bytes:
    """The raw request a browser's EventSource sends for `path` with the session `cookie` (the benches' clients
    write it on their own asyncio connections)."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
        f"Cookie: session={cookie}\r\n\r\n"
    ).encode()


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production app on `database_url` served over plain HTTP on loopback."""
    env = {
        **os.environ,
        "FLASK_APP": "microblog",
        "DATABASE_URL": database_url,
        "MICROBLOG_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on 127.0.0.1
        "PUBLIC_URL": "http://127.0.0.1",  # production needs one (links in emails); any port is trusted
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("TEST_DATABASE_URL", None)  # the app must use DATABASE_URL, never the test suite's database
    return env


def flask(env: dict[str, str], *args: str, timeout: float | None = None) -> str:
    """Run `flask <args>` in `env` from the project's root; its output, or an error with what it printed."""
    out = subprocess.run(
        [PYTHON, "-m", "flask", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if out.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB; empty when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: int(v) for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M)}


class Server:
    """gunicorn serving `create_app()` on 127.0.0.1:<free port>, its output in a log file.

    `config`: a gunicorn config (PUSH_CONFIG for gevent workers with the page gate; None for gunicorn's
    defaults, `sync` workers unless `args` says otherwise). `args`: more gunicorn arguments. `env`: more
    environment variables. The app gets a fresh SECRET_KEY (kept in `.secret`).
    """

    def __init__(
        self,
        database_url: str,
        workers: int = 2,
        *,
        config: str | None = PUSH_CONFIG,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        logdir: Path | None = None,
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = app_env(database_url, **(env or {}))
        self.secret = self.env["SECRET_KEY"]
        self.workers = workers
        self.command = [
            PYTHON,
            "-m",
            "gunicorn",
            *(["--config", config] if config else []),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            *args,
            "microblog:create_app()",
        ]
        if logdir is None:
            fd, name = tempfile.mkstemp(prefix=f"microblog-gunicorn-{self.port}-", suffix=".log")
            os.close(fd)
            self.log_path, self._own_log = Path(name), True
        else:
            self.log_path, self._own_log = logdir / f"gunicorn-{self.port}.log", False
        self.process: subprocess.Popen | None = None

    def migrate(self) -> None:
        flask(self.env, "db", "upgrade", timeout=120)

    def start(self) -> "Server":
        """Start gunicorn; return when /healthz answers 200 and every worker is up."""
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._healthy() and len(worker_pids(self.process.pid)) >= self.workers:
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        text = self.log_text()
        self.stop()
        raise RuntimeError(f"gunicorn did not start; its log ({self.log_path}) ends:\n{text[-2000:]}")

    def _healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except (OSError, http.client.HTTPException):
            return False

    def worker_pids(self) -> list[int]:
        return worker_pids(self.process.pid) if self.process else []

    def rss_kib(self) -> int:
        """The workers' resident memory together, in KiB."""
        return sum(memory_kib(pid).get("VmRSS", 0) for pid in self.worker_pids())

    def worker_rss_mb(self) -> dict[int, dict[str, float]]:
        """Current and peak (VmHWM) resident memory of each worker, in MB."""
        out = {}
        for pid in self.worker_pids():
            fields = memory_kib(pid)
            if fields:
                out[pid] = {"rss_mb": round(fields["VmRSS"] / 1024, 1), "peak_mb": round(fields["VmHWM"] / 1024, 1)}
        return out

    def stop(self, timeout: float = 20) -> float:
        """SIGTERM, then SIGKILL after `timeout`; the seconds until gunicorn exited (0 when it was not running)."""
        started = time.monotonic()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        seconds = time.monotonic() - started
        if getattr(self, "log", None) and not self.log.closed:
            self.log.close()
        if self._own_log:  # a temporary file of our own; a log in the caller's logdir stays for them to read
            self.log_path.unlink(missing_ok=True)
        return seconds

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
