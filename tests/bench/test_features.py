"""`make bench-features` (bench/features.py): the mapping of files to parts stays true to the checkout, a sample
or a statement is charged to the innermost app frame, and a knock-out empties exactly a feature's partials. The
timing itself is the benchmark's job, not a test's."""

from __future__ import annotations

import ast
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from jinja2 import DictLoader, Environment

from bench.feature_map import FEATURES, FILES, FUNCTIONS, HARNESS, PARTS, TRANSPARENT, charge, part_of, templates_of
from bench.feature_probe import Sampler, Statements, code_knocked_out, knocked_out, own_time_by_part
from bench.feature_report import GROUPS, cprofile_table, median_and_error, sampling_error, tables
from bench.features import knock_out, partial_names, profile_page
from microblog.extensions import db
from microblog.users.models import User
from tests.conftest import make_post, send
from tools.harness import ROOT


def app_files() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT))
        for root in ("microblog", "templates", "partials")
        for p in (ROOT / root).rglob("*")
        if p.suffix in (".py", ".html", ".txt") and "translations" not in p.parts
    )


def test_every_entry_of_the_mapping_names_files_that_exist():
    files = app_files()
    for key in FILES:
        assert any(f.startswith(key) for f in files), f"{key} matches no file: moved or renamed?"
    for path, function in FUNCTIONS:
        tree = ast.parse((ROOT / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert function in names, f"{path} has no function {function}"


def test_every_app_file_belongs_to_a_part_or_is_a_helper():
    for path in app_files():
        assert part_of(path) in (*PARTS, TRANSPARENT), path
    assert part_of("templates/base.html") == "layout"
    assert part_of("partials/settings/verify_banner.html") == "accounts"
    assert part_of("partials/messages/seen.html") == "messenger"
    assert part_of("partials/messages/message.html") == "core"  # existed before issue 22: the rule's example
    assert part_of("partials/shared/title.html") == "reach"
    assert part_of("microblog/users/appearance.py", "theme") == "home"
    assert part_of("microblog/formatting.py", "linkify") == "messenger"
    assert part_of("microblog/formatting.py", "timetag") == TRANSPARENT
    assert part_of("microblog/bodies.py", "__call__") == TRANSPARENT  # middleware: under every request
    assert part_of("microblog/bodies.py", "check") == "core"
    assert part_of(".venv/lib/python3.11/site-packages/jinja2/runtime.py") is None
    assert part_of("bench/features.py") == HARNESS


@pytest.mark.parametrize(
    "stack, part",
    [
        # a library and a helper under a partial: the partial's part
        (
            [
                (".venv/lib/markupsafe/__init__.py", "escape"),
                ("microblog/templating.py", "template_url_for"),
                ("partials/messages/seen.html", "root"),
                ("templates/base.html", "root"),
            ],
            "messenger",
        ),
        # the same helper file's feature function: its own part
        ([("microblog/formatting.py", "linkify"), ("partials/posts/post.html", "root")], "messenger"),
        # a request's frames under no app frame: the framework; the bench's own frame first: harness
        ([(".venv/lib/werkzeug/test.py", "open"), ("bench/features.py", "cpu_ms")], "framework"),
        ([("bench/features.py", "cpu_ms"), ("bench/features.py", "main")], HARNESS),
        ([], "framework"),
    ],
)
def test_a_sample_is_charged_to_the_innermost_app_frame(stack, part):
    assert charge(stack) == part


def test_a_knock_out_empties_the_partials_of_one_feature_only():
    names = partial_names()
    accounts = templates_of("accounts", names)
    assert "partials/settings/verify_banner.html" in accounts
    assert all(name.startswith("partials/") and part_of(name) == "accounts" for name in accounts)
    assert not set(accounts) & set(templates_of("messenger", names))
    assert "partials/posts/post.html" not in templates_of("home", names)  # core: see bench/feature_map.py


def test_the_knock_out_loader_swaps_without_recompiling():
    env = Environment(
        loader=DictLoader({"page.html": "<p>{% include 'partials/x.html' %}</p>", "partials/x.html": "x"})
    )
    whole, knocked = env.loader, knocked_out(env.loader, ["partials/x.html"])
    assert env.get_template("page.html").render() == "<p>x</p>"
    env.loader = knocked
    assert env.get_template("page.html").render() == "<p></p>"
    compiled = env.get_template("page.html")
    env.loader = whole
    assert env.get_template("page.html").render() == "<p>x</p>"
    env.loader = knocked
    assert env.get_template("page.html") is compiled  # cached per loader: switching back costs nothing


def test_samples_land_in_the_part_whose_code_runs():
    """A loop compiled as if it were a partial of accounts runs until 20 samples landed (however long that
    takes; ~80 ms of CPU at the kernel's tick), or gives up after a few seconds' worth of work."""
    code = compile(
        "def spin(sampler):\n"
        "    for _ in range(1_000_000):\n"
        "        if sum(sampler.charged.values()) >= 20:\n"
        "            return\n"
        "        sum(i * i for i in range(200))\n",
        str(ROOT / "partials/settings/profile.html"),
        "exec",
    )
    scope = {}
    exec(code, scope)
    with Sampler() as sampler:
        scope["spin"](sampler)
    assert sampler.charged["accounts"] >= 19  # the last may land in the harness, leaving the loop
    assert sampler.inside["accounts"] == sampler.charged["accounts"]


def test_statements_are_charged_to_the_feature_that_runs_them(signed_in, alice, bob, app):
    """alice's thread with bob is core (its window carries the reactions and Seen in the same statements:
    microblog/messages/opening.py, window.py); a message's actions page reads the message in the messenger's
    own module (microblog/messages/actions.py, message_in)."""
    message_id = send(bob, alice, "hello").id
    reader = signed_in("alice")
    statements = Statements()
    sa.event.listen(db.engine, "before_cursor_execute", statements)
    try:
        assert reader.opens("/messages/bob").status == 200
        thread = dict(statements.charged)
        assert reader.opens(f"/messages/bob/{message_id}/actions").status == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statements)
    assert thread.get("core", 0) >= 2 and "messenger" not in thread
    assert statements.charged["messenger"] >= 1  # message_in (microblog/messages/actions.py)
    assert set(statements.charged) <= {"core", "messenger", "framework"}


def test_the_tables_show_each_part_and_the_knock_out():
    zero = {
        k: {"status": 200, "bytes": 0, "ms": 0.0, "error_ms": 0.0} for k in (*FEATURES, "home code", "messenger code")
    }
    row = {
        "page": "settings",
        "cpu_ms": 4.0,
        "sampled_over_measured": 0.976,
        "ms": {p: (1.0 if p in ("core", "accounts") else 0.4) for p in PARTS},
        "share": {p: (0.25 if p in ("core", "accounts") else 0.1) for p in PARTS},
        "inside_ms": {f: (0.9 if f == "accounts" else 0.0) for f in FEATURES},
        "inside_error_ms": {f: (0.02 if f == "accounts" else 0.0) for f in FEATURES},
        "inside_code_ms": {"home": 0.01, "messenger": 0.0},
        "inside_code_error_ms": {"home": 0.01, "messenger": 0.0},
        "statements": {"accounts": 1, "core": 2},
        "knock_out": zero
        | {
            "accounts": {"status": 200, "bytes": 2861, "ms": 0.85, "error_ms": 0.04},
            "home code": {"status": 200, "bytes": 400, "ms": 0.2, "error_ms": 0.05},
        },
    }
    head, cpu, head2, other = tables([row])
    assert head == ["page", "CPU ms", *PARTS]
    assert cpu == [
        ["settings", "4.00", *(("1.00 (25%)" if p in ("core", "accounts") else "0.40 (10%)") for p in PARTS)]
    ]
    assert other == [
        ["settings", "97.6%", "3", "core 2, accounts 1", "0.90±0.02 / 0.85±0.04, 2,861 B", "-", "-", "-"]
        + ["0.01±0.01 / 0.20±0.05, 400 B", "-"]
    ]
    assert len(head2) == len(other[0])


def test_the_errors_shown_beside_each_figure():
    # quartiles 1 and 3 of 1..9 are 2.5 and 7.5: sigma ~ 5 / 1.349, its median's error 1.2533 sigma / 3
    assert median_and_error([float(v) for v in range(1, 10)]) == (5.0, 1.548)
    assert median_and_error([2.0] * 50) == (2.0, 0.0)
    # 500 of 2,000 samples of a 4 ms page: 1 ms, give or take sqrt(.25 * .75 / 2000) * 4 ms
    assert sampling_error(500, 2000, 4.0) == 0.039
    assert sampling_error(0, 2000, 4.0) == 0.0


def test_a_code_knock_out_removes_what_the_feature_adds_inside_a_core_partial(signed_in, app):
    """alice's own post on her profile: its Delete form is home's (can_delete), its link messenger's (linkify)."""
    alice = signed_in("alice")
    with app.app_context():
        post = make_post(db.session.scalar(sa.select(User).where(User.username == "alice")), "see https://example.com")
    env = app.jinja_env
    whole = alice.opens("/user/alice").html
    assert f'id="delete-post-{post.id}"' in whole and 'href="https://example.com"' in whole
    for feature, gone, kept in (
        ("home", f'id="delete-post-{post.id}"', 'href="https://example.com"'),
        ("messenger", 'href="https://example.com"', f'id="delete-post-{post.id}"'),
    ):
        overlay, filters = code_knocked_out(feature)
        saved = ({k: env.globals[k] for k in overlay}, {k: env.filters[k] for k in filters})
        env.globals.update(overlay)
        env.filters.update(filters)
        try:
            knocked = alice.opens("/user/alice").html
        finally:
            env.globals.update(saved[0])
            env.filters.update(saved[1])
        assert gone not in knocked and kept in knocked, feature
        assert ("see https://example.com" in knocked) == (feature == "messenger")  # the text stays, as text
    restored = alice.opens("/user/alice").html  # everything put back
    assert f'id="delete-post-{post.id}"' in restored and 'href="https://example.com"' in restored


def test_cprofile_keeps_library_time_apart_from_the_part_that_called_it():
    """What --cprofile shows beside the samples: a partial's own time is its part's, but the builtins it calls
    are "libraries" (cProfile keeps no stack to charge them to their caller)."""
    code = compile(
        "def render():\n    return sorted(str(i) for i in range(2000))\n",
        str(ROOT / "partials/messages/seen.html"),
        "exec",
    )
    scope = {}
    exec(code, scope)
    groups = own_time_by_part(scope["render"], 5)
    assert groups["messenger"][1] == 1 + 2001  # per render: render() and its generator's resumptions
    assert groups["libraries"][1] >= 1  # sorted()
    assert "core" not in groups
    head, lines = cprofile_table([{"page": "p", "cprofile": {"messenger": (0.3, 1), "libraries": (0.1, 2)}}])
    assert head == ["page", "profiled ms", *GROUPS] and "framework" not in GROUPS
    assert lines == [
        [
            "p",
            "0.40",
            *(
                ("0.30 (75%)" if g == "messenger" else "0.10 (25%)" if g == "libraries" else "0.00 (0%)")
                for g in GROUPS
            ),
        ]
    ]


def test_knock_out_on_a_real_page_measures_each_feature_and_puts_everything_back(signed_in, app):
    """The settings page: accounts' partials are on it (their bytes go), the messenger's are not (no row); the
    app's loader, globals and filters are the same objects afterwards."""
    alice = signed_in("alice")
    env = app.jinja_env
    before = (env.loader, dict(env.globals), dict(env.filters))
    whole = alice.opens("/settings/profile").html
    found = knock_out(SimpleNamespace(app=app, client=alice.client), "/settings/profile", rounds=3)
    assert found["accounts"]["status"] == 200
    assert 1000 < found["accounts"]["bytes"] < len(whole.encode())  # the section and its nav, not the layout
    assert found["messenger"]["bytes"] == 0 and found["home"]["bytes"] == 0
    assert found["reach"]["bytes"] > 0  # the <title>
    assert set(found) == {*FEATURES, "home code", "messenger code"}
    assert (env.loader, env.globals, env.filters) == before
    assert 'id="settings-nav"' in alice.opens("/settings/profile").html


def test_a_profiled_page_is_shared_out_among_the_parts_that_ran(signed_in, app):
    """The settings page under the sampler: every in-request sample is some part's, accounts' among them, and
    none is the messenger's (nothing of it runs there)."""
    alice = signed_in("alice")
    row = profile_page(SimpleNamespace(app=app, client=alice.client), "/settings/profile", seconds=0.5)
    assert row["samples"] > 0 and row["renders"] > 0
    assert abs(sum(row["share"].values()) - 1) < 0.01
    assert row["share"]["accounts"] > 0 and row["share"]["messenger"] == 0
    assert abs(sum(row["ms"].values()) - row["cpu_ms"]) < 0.01
