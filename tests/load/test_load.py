"""Short load and fault tests: gunicorn with 4 workers, many signed-in clients, exact counts, no 5xx,
and a PostgreSQL outage answered with 503s and recovered from without a restart (tools/loadtest/)."""

from __future__ import annotations

import os
import random
import shutil

import pytest

from tools.harness import databases
from tools.loadtest.cluster import fault_cluster_ready, main_admin_url
from tools.loadtest.load import SHORT
from tools.loadtest.scenarios import scenario_fault, scenario_load

from ..conftest import require

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_admin():
    url = main_admin_url(None)
    if url is None:
        require("PG", "no PostgreSQL for the load test (set TEST_DATABASE_URL to a role with CREATEDB, or run as root)")
    return url


def test_load_on_postgresql(pg_admin, tmp_path, capsys):
    with databases.scratch(pg_admin, f"microblog_load_{os.getpid()}") as url:
        problems = scenario_load("PostgreSQL", url, SHORT, 4, tmp_path, random.randrange(1000))
    out = capsys.readouterr().out
    print(out)
    assert problems == []
    assert "0 mismatches" in out and f"{SHORT.senders * SHORT.messages} sends answered 303" in out


def test_load_on_sqlite(tmp_path, capsys):
    problems = scenario_load(
        "SQLite", "sqlite:///" + str(tmp_path / "load.db"), SHORT, 4, tmp_path, random.randrange(1000)
    )
    out = capsys.readouterr().out
    print(out)
    assert problems == []
    assert "0 mismatches" in out and f"{SHORT.senders * SHORT.messages} sends answered 303" in out


def test_database_outage_under_load(tmp_path, capsys):
    if os.geteuid() != 0 or not shutil.which("pg_createcluster"):
        require("PG", "the fault test needs root and pg_createcluster (it stops a cluster of its own on port 5439)")
    problems = scenario_fault(fault_cluster_ready(), SHORT, 4, tmp_path, random.randrange(1000), outage=3.0)
    out = capsys.readouterr().out
    print(out)
    assert problems == []
    assert "requests answered 503" in out and "0 count mismatches" in out
