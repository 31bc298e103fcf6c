"""Password reset against a hostile client and network (SPEC S22, S16): links built from the configured
public URL whatever the request's Host, other hosts refused, addresses the mailer cannot encode, a quota
nobody else can use up, no live link in a production log. A real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from microblog import create_app
from microblog.extensions import db
from microblog.mail import MailError, send_email
from microblog.ratelimit import RateLimitHit
from microblog.users.models import User
from tests.auth.test_password_reset import parts, request_reset, smtp  # noqa: F401 - smtp is a fixture
from tests.conftest import make_app, make_user, running
from tests.html import actor

EVIL = {"Host": "evil.example"}
ROOT = Path(__file__).resolve().parents[2]


def mail_settings(smtp):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_TIMEOUT": 5,
        "MAIL_DEFAULT_SENDER": "Microblog <no-reply@example.com>",
        "WTF_CSRF_ENABLED": True,
    }


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


def test_development_links_follow_make_runs_address(database_url, smtp):
    # `make run PORT=8123` serves at 127.0.0.1:8123 without a PUBLIC_URL: its emails must link there.
    make = subprocess.run(["make", "-n", "run", "PORT=8123"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "DEVELOPMENT_URL=http://127.0.0.1:8123 " in make.stdout
    app = make_app(database_url, PUBLIC_URL=None, DEVELOPMENT_URL="http://127.0.0.1:8123", **mail_settings(smtp))
    with running(app):
        make_user("carol")
        assert request_reset(app.test_client(), "carol@example.com", **EVIL).status_code == 303
    (reset,) = smtp.messages
    assert links_in(reset) and all(link.startswith("http://127.0.0.1:8123/auth/") for link in links_in(reset))


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
            someone = actor(app.test_client())
            someone.headers["Host"] = "microblog.example.org"
            response = someone.opens("/auth/reset_password_request").submits(
                "#reset-request-form", email="carol@example.com"
            )
            assert response.status == 303
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "carol@example.com" in logged and "MAIL_SERVER is not set" in logged  # said, but without...
        assert "/auth/reset_password/" not in logged  # ...the live link
        db.drop_all()


LONG_NON_ASCII = "ß" * 25 + "@example.com"


def test_an_address_the_mailer_cannot_encode_is_refused_not_a_500(database_url, smtp):
    app = make_app(database_url, **mail_settings(smtp))
    with running(app):
        client = app.test_client()
        register = (
            actor(client)
            .opens("/auth/register")
            .submits(
                "#register-form",
                username="eszett",
                email=LONG_NON_ASCII,
                password="long enough pw",
                password2="long enough pw",
            )
        )
        assert register.status_code == 422
        assert "We cannot send email to this address" in register.text()
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
        # An account stored before this rule: asking for its reset is a clear field error, never a 500.
        make_user("eszett", email=LONG_NON_ASCII)
        asked = actor(client).opens("/auth/reset_password_request").submits("#reset-request-form", email=LONG_NON_ASCII)
        assert asked.status_code == 422 and "We cannot send email to this address" in asked.text()
        # And should one reach the mailer anyway, its refusal is a MailError (a 503 page), not a 500.
        with app.test_request_context():
            with pytest.raises(MailError):
                send_email("subject", LONG_NON_ASCII, "text", "<p>html</p>")
    assert smtp.messages == []


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def quota_app(database_url, smtp):
    app = make_app(
        database_url,
        RATELIMIT_IN_TESTS=True,
        RATELIMIT_RESET_PER_EMAIL=(3, 3600),
        RATELIMIT_RESET_PER_INBOX=(10, 3600),
        RATELIMIT_RESET_PER_ADDRESS=(50, 3600),
        **mail_settings(smtp),
    )
    with running(app):
        db.session.execute(sa.delete(RateLimitHit))
        db.session.commit()
        yield app
        db.session.execute(sa.delete(RateLimitHit))
        db.session.commit()


def test_nobody_else_can_use_up_the_owners_reset_quota(quota_app, smtp):
    make_user("carol")
    mallory = from_address(quota_app, "203.0.113.9")
    for _ in range(3):
        assert request_reset(mallory, "carol@example.com").status_code == 303
    assert request_reset(mallory, "carol@example.com").status_code == 429
    # carol, from her own address, still gets her link.
    carol = from_address(quota_app, "198.51.100.7")
    assert request_reset(carol, "carol@example.com").status_code == 303
    assert len(smtp.messages) == 4 and "/auth/reset_password/" in parts(smtp.messages[-1])["text/plain"]


def test_the_inbox_bound_never_stops_the_owners_own_browser(quota_app, smtp, signed_in):
    make_user("carol")
    carol = from_address(quota_app, "198.51.100.7")
    signed_in("carol", carol).signs_out()  # her browser keeps its device cookie
    for n in range(10):  # ten addresses flood carol's inbox up to its bound
        assert request_reset(from_address(quota_app, f"203.0.113.{n}"), "carol@example.com").status_code == 303
    assert request_reset(from_address(quota_app, "203.0.113.99"), "carol@example.com").status_code == 429
    # A new browser of carol's would now wait; the one she signed in with before is counted on its own.
    assert request_reset(from_address(quota_app, "198.51.100.8"), "carol@example.com").status_code == 429
    assert request_reset(carol, "carol@example.com").status_code == 303
    assert len(smtp.messages) == 11
