"""`make bench-pages` (bench/pages.py): the targets it checks, and the profile it prints for a page that misses.
The timing itself is the benchmark's job, not a test's."""

from __future__ import annotations

from types import SimpleNamespace

from bench.pages import WHY, below_target, check_targets, profile_lines, where_time_goes
from tests.conftest import make_post


def run(messages: int, **ratios: float) -> dict:
    endpoints = [{"endpoint": "healthz (floor)", "ratio": 1.0}]
    endpoints += [{"endpoint": name.replace("_", " "), "ratio": ratio} for name, ratio in ratios.items()]
    return {"messages": messages, "endpoints": endpoints}


def test_a_page_below_a_fifth_of_the_floor_or_not_flat_fails():
    small, large = run(1_000, index=0.22, search=0.12), run(1_000_000, index=0.25, search=0.12)
    assert check_targets([small, large]) == [
        "FAIL m=1,000: search 0.12x floor (>= 0.2x)",
        "FAIL m=1,000,000: search 0.12x floor (>= 0.2x)",
        "FAIL flat: index +14% from m=1,000 to m=1,000,000",
    ]
    assert below_target(small) == {"search"}
    passing = [run(1_000, index=0.22), run(1_000_000, index=0.21)]
    assert check_targets(passing) == [
        "PASS m=1,000: every page >= 0.2x the floor",
        "PASS m=1,000,000: every page >= 0.2x the floor",
        "PASS flat: every page within 10% from m=1,000 to m=1,000,000",
    ]
    assert below_target(passing[0]) == set()


def test_a_page_that_misses_prints_where_its_time_goes_and_why():
    measured = run(1_000, search=0.12, index=0.19, explore=0.3)
    profile = {"cpu_ms": 3.4, "samples": 800, "files_ms": {"microblog/search/engine.py": 1.45, "": 0.6}}
    measured["endpoints"][1]["profile"] = profile
    measured["endpoints"][2]["profile"] = {**profile, "files_ms": {"partials/posts/post.html": 0.9}}
    lines = profile_lines([measured])
    assert lines == [
        "PROFILE m=1,000: search 3.40 ms of CPU a render (800 samples), by file (ms):",
        "   1.450  microblog/search/engine.py",
        "   0.600  (Python, Flask, Werkzeug: outside the app)",
        f"  why: {WHY['search']}",
        "PROFILE m=1,000: index 3.40 ms of CPU a render (800 samples), by file (ms):",
        "   0.900  partials/posts/post.html",
        "  why: not written down yet: start from this profile",
    ]
    assert profile_lines([run(1_000, explore=0.3)]) == []


def test_the_profile_of_a_real_page_charges_its_files(signed_in, alice, app):
    for n in range(12):
        make_post(alice, f"hello world number {n}")
    me = signed_in("alice")
    profile = where_time_goes(SimpleNamespace(app=app, client=me.client), "/search?q=hello+wor", seconds=0.4)
    assert profile["cpu_ms"] > 0 and profile["samples"] > 20
    files = profile["files_ms"]
    assert files and all(ms > 0 for ms in files.values())
    assert list(files.values()) == sorted(files.values(), reverse=True)
    # the page's own code and templates are among the files its samples land on
    assert any(name.startswith(("microblog/", "templates/", "partials/")) for name in files)
