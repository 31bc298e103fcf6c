"""The app as a whole: configuration, headers, migrations matching the models, the built wheel."""

import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from microblog import create_app
from microblog.extensions import db
from tests.conftest import make_app, only_on
from tests.html import page

ROOT = Path(__file__).resolve().parents[2]


def test_security_headers_on_pages_fragments_and_errors(client, signed_in):
    as_alice = signed_in("alice")
    for response in (
        client.get("/auth/login"),
        as_alice.opens("/index"),
        as_alice.opens("/nope"),
        as_alice.opens("/explore?page=2", **{"HX-Request": "true"}),
        client.get("/healthz"),
    ):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_vendored_assets_only(client):
    soup = page(client.get("/auth/login"))
    assets = [s["src"] for s in soup.find_all("script")] + [link["href"] for link in soup.find_all("link")]
    assert all(a.startswith("/static/") for a in assets), assets
    assert "/static/vendor/htmx-2.0.11.min.js" in assets
    assert "/static/vendor/bootstrap-5.3.8.min.css" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_html_lang_follows_accept_language(client):
    assert page(client.get("/auth/login", headers={"Accept-Language": "es-ES,es"})).html["lang"] == "es"
    assert page(client.get("/auth/login", headers={"Accept-Language": "fr, en;q=0.5"})).html["lang"] == "en"


def test_production_refuses_default_secret_key(monkeypatch):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PUBLIC_URL", "https://microblog.example.org")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


@only_on("sqlite")
def test_sqlite_runs_in_wal_with_foreign_keys(app, database_url):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def _migrated_schema_matches_models(url: str):
    app = make_app(url, create_tables=False)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        with db.engine.connect() as conn:
            from microblog.search.engine import include_name  # the full-text index is no model
            from microblog.users import prefix  # nor the index of names by length

            opts = {"compare_type": True, "include_name": include_name}
            with warnings.catch_warnings():  # SQLite's reflection skips an index on an expression, and says so
                warnings.filterwarnings("ignore", f".*expression-based index {prefix.INDEX}")
                diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
            indexes = {
                "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'",
                "postgresql": "SELECT indexname FROM pg_indexes",
            }
            made = set(conn.exec_driver_sql(indexes[conn.dialect.name]).scalars())
        db.engine.dispose()
    assert diff == [], diff
    assert prefix.INDEX in made, "the migrations make the index that users/prefix.py seeks on"


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    _migrated_schema_matches_models("sqlite:///" + str(tmp_path / "migrated.db"))


def test_migrations_build_the_models_schema_on_postgresql(scratch_pg_url):
    _migrated_schema_matches_models(scratch_pg_url)


@pytest.mark.slow
def test_built_wheel_serves_pages(tmp_path):
    """`pip install .` gives an app that finds its templates, partials, migrations and translations."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("microblog-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "microblog/templates/base.html",
        "microblog/partials/notifications/badge.html",
        "microblog/migrations/env.py",
        "microblog/translations/es/LC_MESSAGES/messages.mo",
        "microblog/static/vendor/htmx-2.0.11.min.js",
    ):
        assert expected in names, expected
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        "import microblog, sys\n"
        "assert microblog.__file__.startswith(sys.argv[1]), microblog.__file__\n"
        "app = microblog.create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + sys.argv[1] + '/t.db', 'TESTING': True})\n"
        "from flask_migrate import upgrade\n"
        "with app.app_context(): upgrade()\n"
        "c = app.test_client()\n"
        "r = c.get('/auth/login', headers={'Accept-Language': 'es'})\n"
        "assert r.status_code == 200 and 'lang=\"es\"' in r.text and 'Iniciar' in r.text, r.text[:300]\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script, str(site)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
