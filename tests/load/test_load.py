"""Short load and fault tests: gunicorn with 4 workers, many signed-in clients, exact counts, no 5xx,
and a PostgreSQL outage answered with 503s and recovered from without a restart (scripts/loadtest.py)."""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import sys
from pathlib import Path

import pytest

from ..conftest import require

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "loadtest.py"


@pytest.fixture(scope="module")
def loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("loadtest", None)


@pytest.fixture
def pg_admin(loadtest):
    url = loadtest.main_admin_url(None)
    if url is None:
        require("PG", "no PostgreSQL for the load test (set TEST_DATABASE_URL to a role with CREATEDB, or run as root)")
    return url


def test_load_on_postgresql(loadtest, pg_admin, tmp_path, capsys):
    name = f"microblog_load_{os.getpid()}"
    loadtest.admin_execute(pg_admin, f"CREATE DATABASE {name}")
    try:
        problems = loadtest.scenario_load("PostgreSQL", loadtest.with_database(pg_admin, name), loadtest.SHORT, 4,
                                          tmp_path, random.randrange(1000))
    finally:
        loadtest.drop_database(pg_admin, name)
    out = capsys.readouterr().out
    print(out)
    assert problems == []
    assert "0 mismatches" in out and f"{loadtest.SHORT.senders * loadtest.SHORT.messages} sends answered 303" in out


def test_load_on_sqlite(loadtest, tmp_path, capsys):
    problems = loadtest.scenario_load("SQLite", "sqlite:///" + str(tmp_path / "load.db"), loadtest.SHORT, 4,
                                      tmp_path, random.randrange(1000))
    out = capsys.readouterr().out
    print(out)
    assert problems == []
    assert "0 mismatches" in out and f"{loadtest.SHORT.senders * loadtest.SHORT.messages} sends answered 303" in out


def test_database_outage_under_load(loadtest, tmp_path, capsys):
    if os.geteuid() != 0 or not shutil.which("pg_createcluster"):
        require("PG", "the fault test needs root and pg_createcluster (it stops a cluster of its own on port 5439)")
    problems = loadtest.scenario_fault(loadtest.fault_cluster_ready(), loadtest.SHORT, 4, tmp_path,
                                       random.randrange(1000), outage=3.0)
    out = capsys.readouterr().out
    print(out)
    assert problems == []
    assert "requests answered 503" in out and "0 count mismatches" in out
