"""Strict-Transport-Security: sent in production when the request came over HTTPS (directly, or through a
trusted proxy's X-Forwarded-Proto), with HSTS_MAX_AGE; never over plain HTTP, never in development."""

from __future__ import annotations

import pytest

from tests.conftest import make_app, running

HSTS = "Strict-Transport-Security"
KEY = "k" * 40


def answer(app, path="/healthz", https=True, **headers):
    base = "https://localhost" if https else "http://localhost"
    return app.test_client().get(path, base_url=base, headers=headers)


@pytest.mark.parametrize("path, status", [("/healthz", 200), ("/auth/login", 200), ("/no-such-page", 404)])
def test_production_over_https_tells_browsers_to_stay_on_https(database_url, path, status):
    with running(make_app(database_url, ENV_NAME="production", SECRET_KEY=KEY)) as app:
        response = answer(app, path)
        assert response.status_code == status
        assert response.headers[HSTS] == "max-age=31536000"  # a year, error pages too


def test_max_age_is_configurable(database_url, monkeypatch):
    monkeypatch.setenv("HSTS_MAX_AGE", "600")
    with running(make_app(database_url, ENV_NAME="production", SECRET_KEY=KEY)) as app:
        assert answer(app).headers[HSTS] == "max-age=600"
    monkeypatch.setenv("HSTS_MAX_AGE", "0")  # how to take it back: browsers forget the host's policy
    with running(make_app(database_url, ENV_NAME="production", SECRET_KEY=KEY)) as app:
        assert answer(app).headers[HSTS] == "max-age=0"


def test_never_over_plain_http_nor_in_development(database_url):
    with running(make_app(database_url, ENV_NAME="production", SECRET_KEY=KEY)) as app:
        plain = answer(app, https=False)
        assert plain.status_code == 200 and HSTS not in plain.headers
        # No trusted proxy: a client's own X-Forwarded-Proto changes nothing.
        assert HSTS not in answer(app, https=False, **{"X-Forwarded-Proto": "https"}).headers
    with running(make_app(database_url)) as app:
        secure = answer(app)
        assert secure.status_code == 200 and HSTS not in secure.headers


def test_behind_a_trusted_proxy_that_terminates_tls(database_url):
    with running(make_app(database_url, ENV_NAME="production", SECRET_KEY=KEY, TRUSTED_PROXIES=1)) as app:
        assert answer(app, https=False, **{"X-Forwarded-Proto": "https"}).headers[HSTS] == "max-age=31536000"
        assert HSTS not in answer(app, https=False, **{"X-Forwarded-Proto": "http"}).headers
