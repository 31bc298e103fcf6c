"""App-wide security: production settings, security headers on every answer, caching, body limits, proxies, logs."""

from __future__ import annotations

import io
import json
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from microblog import create_app
from microblog.extensions import db
from microblog.posts.models import Post
from tests.conftest import HTMX, make_app, make_user
from tests.html import actor, page
from tests.auth.test_security import _count


def test_production_cookies_are_secure(monkeypatch, database_url):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("DEBUG", "1")
    app = make_app(database_url, SECRET_KEY="s" * 40)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.debug is False
    with app.app_context():
        make_user("alice")
        response = actor(app.test_client(), "alice").signs_in()
        assert response.status_code == 303
        assert all("Secure" in c and "HttpOnly" in c for c in response.headers.getlist("Set-Cookie"))
        db.engine.dispose()


def test_production_refuses_the_dev_secret(monkeypatch, database_url):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


@pytest.fixture
def error_app(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/_db_down")
    def db_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        yield app
        db.engine.dispose()


@pytest.mark.parametrize(
    "url, method, status",
    [
        ("/healthz", "GET", 200),
        ("/auth/login", "GET", 200),
        ("/no/such/page", "GET", 404),
        ("/auth/logout", "GET", 405),
        ("/_boom", "GET", 500),
        ("/_db_down", "GET", 503),
        ("/auth/login", "POST", 413),
        ("/avatar/no%00body.svg", "GET", 404),
        ("/readyz", "GET", 200),
    ],
)
def test_security_headers_on_every_response(error_app, url, method, status):
    client = error_app.test_client()
    data = "x" * (error_app.config["MAX_CONTENT_LENGTH"] + 10) if status == 413 else None
    for headers in ({}, HTMX):
        response = client.open(
            url, method=method, data=data, headers=headers, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == status
        csp = {d.split()[0]: d.split()[1:] for d in response.headers["Content-Security-Policy"].split("; ")}
        assert csp["default-src"] == csp["script-src"] == csp["style-src"] == ["'self'"]
        assert csp["object-src"] == csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == csp["form-action"] == ["'self'"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "secret internals" not in body and "connection refused" not in body


@pytest.mark.parametrize(
    "url",
    [
        "/messages",
        "/messages/bob",
        "/settings/profile",
        "/auth/change_password",
        "/index",
        "/user/alice",
        "/notifications",
    ],
)
def test_private_pages_and_fragments_are_never_stored_by_caches(signed_in, alice, bob, url):
    as_alice = signed_in("alice")
    for headers in ({}, HTMX):
        response = as_alice.opens(url, **headers)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_public_files_keep_their_own_caching(client):
    assert "no-store" not in client.get("/avatar/alice.svg").headers["Cache-Control"]


def test_htmx_keeps_no_page_in_its_history_cache(signed_in):
    """htmx 2 copies each page it leaves into sessionStorage (`htmx-history-cache`): a size of 0 keeps none,
    so private messages never land there (checked in Chromium by tests/browser/test_csp.py)."""
    as_alice = signed_in("alice")
    meta = page(as_alice.opens("/messages")).find("meta", attrs={"name": "htmx-config"})
    assert json.loads(meta["content"])["historyCacheSize"] == 0


def test_chunked_bodies_over_the_limit_are_413_and_not_processed(signed_in, app, monkeypatch):
    as_alice = signed_in("alice")
    limit = app.config["MAX_CONTENT_LENGTH"]
    served = app.wsgi_app

    def as_a_server_passes_chunked_bodies(environ, start_response):
        # No Content-Length: the stream ends where the body does (werkzeug's and gunicorn's servers).
        if environ.get("HTTP_TRANSFER_ENCODING") == "chunked":
            del environ["CONTENT_LENGTH"]
            environ["wsgi.input_terminated"] = True
        return served(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", as_a_server_passes_chunked_bodies)

    def chunked(data):  # a raw request: a chunked body is what a client library sends, not our form
        return as_alice.client.post(
            "/index",
            input_stream=io.BytesIO(data),
            headers={"Transfer-Encoding": "chunked", "Content-Type": "application/x-www-form-urlencoded"},
        )

    assert chunked(("post=" + "x" * (limit + 100)).encode()).status_code == 413
    assert _count(Post) == 0
    assert chunked(b"post=small+and+chunked").status_code == 303  # under the limit: processed as usual
    assert db.session.scalar(sa.select(Post.body)) == "small and chunked"


@pytest.fixture
def app_log(caplog):
    """caplog: the app's own log lines (migrations keep existing loggers on, see migrations/env.py)."""
    return caplog


def _proxied_app(database_url, hops: int):
    app = make_app(
        database_url,
        TRUSTED_PROXIES=hops,
        SERVER_NAME=None,
        RATELIMIT_IN_TESTS=True,
        RATELIMIT_LOGIN_PER_ADDRESS=(2, 900),
    )

    @app.get("/_where")
    def where():
        from flask import request, url_for
        from microblog.ratelimit import client_address

        return {"home": url_for("posts.index", _external=True), "address": client_address(), "scheme": request.scheme}

    return app


@pytest.mark.parametrize("hops", [0, 1])
def test_trusted_proxies(database_url, hops, app_log):
    caplog = app_log
    """TRUSTED_PROXIES=1: the client address and scheme come from the proxy's headers, never the host.
    TRUSTED_PROXIES=0: proxy headers change nothing, and the server says once that they arrive."""
    app = _proxied_app(database_url, hops)
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    with app.app_context(), caplog.at_level("WARNING"):
        client = app.test_client()
        seen = [
            client.get("/_where", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).get_json()
            for _ in range(2)
        ]
        assert "evil.example" not in seen[0]["home"]
        if hops:
            assert (seen[0]["address"], seen[0]["scheme"]) == ("203.0.113.7", "https")
            assert "TRUSTED_PROXIES=0" not in caplog.text
        else:
            assert (seen[0]["address"], seen[0]["scheme"]) == ("10.0.0.1", "http")
            assert caplog.text.count("TRUSTED_PROXIES=0") == 1  # said once, not on every request
        db.engine.dispose()


def test_the_development_key_outside_production_is_a_loud_warning(monkeypatch, database_url, app_log):
    caplog = app_log
    monkeypatch.delenv("MICROBLOG_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with caplog.at_level("WARNING"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert "development SECRET_KEY" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k" * 40})
    assert "development SECRET_KEY" not in caplog.text


def test_a_failing_statement_logs_no_secrets(database_url, app_log):
    caplog = app_log
    """No log line carries a password hash, a session token, a CSRF token or a message body."""
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    secrets_in_play = {"hash": "scrypt:32768:8:1$SECRETHASH", "token": "SECRETTOKEN", "body": "SECRET BODY"}

    @app.get("/_failing")
    def failing():
        db.session.execute(
            sa.text("SELECT * FROM no_such_table WHERE a = :hash AND b = :token AND c = :body"), secrets_in_play
        )

    with app.app_context(), caplog.at_level("DEBUG"):
        response = app.test_client().get("/_failing")
        assert response.status_code in (500, 503)
        db.engine.dispose()
    assert "no_such_table" in caplog.text  # the failure is logged...
    for value in secrets_in_play.values():
        assert value not in caplog.text  # ...without its parameters


def test_debug_is_off_by_default_and_forced_off_in_production(monkeypatch, database_url):
    """No debugger unless asked for; in production not even when asked (FLASK_DEBUG or DEBUG set)."""
    from microblog import config

    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("MICROBLOG_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    assert create_app({"SQLALCHEMY_DATABASE_URI": database_url}).debug is False
    monkeypatch.setenv("DEBUG", "1")
    assert create_app({"SQLALCHEMY_DATABASE_URI": database_url}).debug is True  # development may ask for it
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "https://microblog.example.org")
    assert config.load("/nonexistent")["DEBUG"] is False
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})
    assert app.debug is False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom", headers={"Host": "microblog.example.org"})
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(
        as_text=True
    )
