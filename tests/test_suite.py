"""The suite's own machinery (tests/conftest.py): under pytest-xdist the skipped groups still make one summary
line, REQUIRE_<KIND>=1 still fails them, and `make test`'s two parts print that line once, at the end.
Each case runs a small suite of its own in a child pytest, in tmp_path, with the hooks of tests/conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINE = "skipped: 3 PostgreSQL tests (TEST_DATABASE_URL not set), 1 not today"
CONFTEST = (
    "from tests.conftest import (pytest_addoption, pytest_collection_modifyitems,  # noqa: F401\n"
    "    pytest_runtest_makereport, pytest_terminal_summary)\n"
)
TESTS = """
import pytest
from tests.conftest import require

@pytest.mark.parametrize("n", [1, 2, 3])
def test_needs_postgresql(n):
    require("PG", f"no database for case {n}")

def test_other_reason():
    pytest.skip("not today")

def test_runs():
    assert True
"""

pytestmark = pytest.mark.slow  # child pytest processes with workers of their own


def run_suite(tmp_path, *args, **env) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_needs.py").write_text(TESTS)
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "REQUIRE_")) and k not in ("TEST_DATABASE_URL", "SKIPS_FILE")
    }
    clean.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, str(tmp_path)],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
    )


def summary_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("skipped:")]


def test_workers_report_one_line_per_group(tmp_path):
    result = run_suite(tmp_path, "-n", "2")
    assert result.returncode == 0, result.stdout
    assert summary_lines(result.stdout) == [LINE]


def test_require_fails_the_group_under_workers(tmp_path):
    result = run_suite(tmp_path, "-n", "2", REQUIRE_PG="1")
    assert result.returncode == 1, result.stdout
    assert "3 failed, 1 passed, 1 skipped" in result.stdout
    assert "REQUIRE_PG=1 but no database for case 2" in result.stdout


def test_the_two_parts_of_make_test_print_the_line_once(tmp_path):
    carried = tmp_path / "skips.json"
    first = run_suite(tmp_path, "-n", "2", "--part=parallel", SKIPS_FILE=str(carried))
    assert first.returncode == 0 and summary_lines(first.stdout) == [], first.stdout
    second = run_suite(tmp_path, "--part=serial", SKIPS_FILE=str(carried))
    assert second.returncode == 5, second.stdout  # nothing serial here: make test takes 5 as no failure
    assert summary_lines(second.stdout) == [LINE]
