"""What a test process's apps share (tests/conftest.py, tests/README.md "In parallel"): each shared part gives a
new app what the app would have built itself, and only to an app whose settings are the same."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.routing import Map, Rule
from whitenoise.base import WhiteNoise

from microblog.extensions import db
from microblog.users.models import User
from tests.conftest import make_app, only_on, running


def _engine_after_a_query(app) -> sa.Engine:
    with running(app):
        db.session.scalar(sa.select(sa.func.count()).select_from(User))
        return db.engine


def test_apps_with_the_same_database_settings_share_a_dialect_and_its_compiled_statements(database_url):
    first = _engine_after_a_query(make_app(database_url))
    second = _engine_after_a_query(make_app(database_url))
    assert second.dialect is first.dialect and second._compiled_cache is first._compiled_cache
    assert first.dialect.server_version_info is not None, "the shared dialect was initialized by a connection"
    assert second.pool._dialect is second.dialect  # the pool rolls back and closes through the same one
    other = _engine_after_a_query(make_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 3}))
    assert other.dialect is not first.dialect and other._compiled_cache is not first._compiled_cache


@only_on("sqlite")
def test_a_memory_database_gets_a_dialect_of_its_own(database_url):
    on_file = _engine_after_a_query(make_app(database_url))
    in_memory = _engine_after_a_query(make_app("sqlite://"))
    assert in_memory.dialect is not on_file.dialect


def test_a_rule_parsed_once_is_the_rule_werkzeug_parses(tmp_path):
    app = make_app("sqlite:///" + str(tmp_path / "rules.db"))
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        own = rule.empty()  # the same rule, unbound: parsed here by Werkzeug itself
        own.map = Map(converters=dict(app.url_map.converters))
        own.strict_slashes, own.merge_slashes, own.subdomain = rule.strict_slashes, rule.merge_slashes, ""
        Rule.compile.werkzeug(own)
        assert own._parts == rule._parts and own._trace == rule._trace, rule.rule
        assert sorted(own.arguments) == sorted(rule.arguments), rule.rule
        assert {k: (type(c), c.regex) for k, c in own._converters.items()} == {
            k: (type(c), c.regex) for k, c in rule._converters.items()
        }, rule.rule
        values = {name: "7" for name in rule.arguments} | {"extra": "a b"}
        builder = Rule._compile_builder.werkzeug(own, True)
        assert rule.build(values) == builder(own, **values), rule.rule
        if "GET" in rule.methods:
            path = rule.build(values)[1].split("?")[0]
            assert adapter.match(path, method="GET")[0] == rule.endpoint, path


def test_static_files_read_once_are_the_files_whitenoise_reads(tmp_path):
    app = make_app("sqlite:///" + str(tmp_path / "static.db"))
    served = app.wsgi_app
    while not isinstance(served, WhiteNoise):
        served = served.app if hasattr(served, "app") else served.application
    own = WhiteNoise(None, immutable_file_test=served.immutable_file_test,
                     add_headers_function=served.add_headers_function, max_age=served.max_age)  # fmt: skip
    WhiteNoise.update_files_dictionary.whitenoise(own, app.static_folder.rstrip("/") + "/", "/static/")
    assert sorted(own.files) == sorted(served.files) and own.files
    for url, file in own.files.items():
        assert file.alternatives == served.files[url].alternatives, url
