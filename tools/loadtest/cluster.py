"""PostgreSQL for the load test: the admin URL of the main cluster, and the fault test's own cluster on 5439
(created, started and stopped here, so that stopping a database under load never touches the main one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

FAULT_CLUSTER, FAULT_PORT = "faulttest", 5439
FAULT_ROLE, FAULT_ROLE_PASSWORD = "microblog_fault", "microblog_fault_pw"
LOAD_ROLE, LOAD_ROLE_PASSWORD = "microblog_load", "microblog_load_pw"


def psql(sql: str, port: int = 5432) -> str:
    out = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
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
        subprocess.run(
            ["pg_createcluster", version, FAULT_CLUSTER, "--port", str(FAULT_PORT)], check=True, capture_output=True
        )
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
