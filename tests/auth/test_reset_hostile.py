"""Password reset against a hostile client and network (SPEC S22, S16): links built from the configured
public URL whatever the request's Host, other hosts refused, addresses the mailer cannot encode, a quota
nobody else can use up, no live link in a production log. A real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from microblog import create_app
from microblog.extensions import db
from microblog.users.models import User
from tests.auth.test_password_reset import parts, request_reset, smtp  # noqa: F401 - smtp is a fixture
from tests.conftest import make_app, make_user, running
from tests.html import page, text

EVIL = {"Host": "evil.example"}


def mail_settings(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5,
            "MAIL_DEFAULT_SENDER": "Microblog <no-reply@example.com>", "WTF_CSRF_ENABLED": True}


def links_in(message) -> list[str]:
    body = parts(message)
    return re.findall(r"https?://[^\s\"'<>]+", body["text/plain"] + body["text/html"])


def test_reset_links_use_the_public_url_whatever_the_host_header(database_url, smtp):
    # As production runs: no SERVER_NAME; TRUSTED_HOSTS off here, so only public_url() stands in the way.
    app = make_app(database_url, PUBLIC_URL="https://microblog.example.org", TRUSTED_HOSTS=[], **mail_settings(smtp))
    assert app.config.get("SERVER_NAME") is None
    with running(app):
        make_user("carol")
        client = app.test_client()
        assert request_reset(client, "carol@example.com", **EVIL).status_code == 303
        assert request_reset(client, "nobody@example.com", **EVIL).status_code == 303
    reset, no_account = smtp.messages
    assert links_in(reset) and links_in(no_account)
    for link in links_in(reset) + links_in(no_account):
        assert link.startswith("https://microblog.example.org/auth/"), link
    assert "evil.example" not in str(reset) + str(no_account)


def test_other_hosts_are_refused_with_400(database_url, smtp):
    app = make_app(database_url, PUBLIC_URL="https://microblog.example.org", **mail_settings(smtp))
    assert app.config["TRUSTED_HOSTS"] == ["microblog.example.org"]  # derived from the public URL
    with running(app):
        make_user("carol")
        client = app.test_client()
        for method in (client.get, client.post):
            response = method("/auth/reset_password_request", headers=EVIL, data={"email": "carol@example.com"})
            assert response.status_code == 400
        assert client.get("/auth/login", headers={"Host": "microblog.example.org:8443"}).status_code == 200
    assert smtp.messages == []


def production_env(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "prod.db"))
    for name in ("PUBLIC_URL", "TRUSTED_HOSTS", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_refuses_to_start_without_a_public_url(monkeypatch, tmp_path):
    production_env(monkeypatch, tmp_path)
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app()
    production_env(monkeypatch, tmp_path, PUBLIC_URL="https://microblog.example.org/")
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["microblog.example.org"]
    production_env(monkeypatch, tmp_path, PUBLIC_URL="https://a.example", TRUSTED_HOSTS="a.example, .b.example")
    assert create_app().config["TRUSTED_HOSTS"] == ["a.example", ".b.example"]


def test_production_without_a_mail_server_never_logs_the_link(monkeypatch, tmp_path, caplog):
    production_env(monkeypatch, tmp_path, PUBLIC_URL="https://microblog.example.org")
    app = create_app({"WTF_CSRF_ENABLED": False})
    with running(app):
        db.create_all()
        make_user("carol")
        with caplog.at_level("DEBUG"):
            client = app.test_client()
            response = client.post("/auth/reset_password_request", data={"email": "carol@example.com"},
                                   headers={"Host": "microblog.example.org"})
            assert response.status_code == 303
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "carol@example.com" in logged and "MAIL_SERVER is not set" in logged  # said, but without...
        assert "/auth/reset_password/" not in logged  # ...the live link
        db.drop_all()
