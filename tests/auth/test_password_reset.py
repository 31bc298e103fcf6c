"""Password reset by email (SPEC S15): the flow through the forms and a real SMTP server on loopback
(aiosmtpd), single-use expiring links, other sessions signed out, same answer for unknown addresses,
rate limits, a slow or absent mail server, hostile input."""

# Users go through the emails' links and the pages' forms (the actor); raw requests remain for a used or
# forged link (no form left to fill) and a missing CSRF token.

from __future__ import annotations

import email
import re
import socket
import time

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.ratelimit import RateLimitHit
from microblog.users.models import User
from tests.smtp import smtp_server
from tools.harness.server import free_port
from tests.conftest import PASSWORD, make_app, make_user, running
from tests.html import actor, by_id, page, submit, text

NEW_PASSWORD = "a brand new secret"
FLASH = "If an account uses this address"


class Inbox:
    """What the loopback SMTP server received, parsed."""

    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def only(self) -> email.message.Message:
        assert len(self.messages) == 1, [m["Subject"] for m in self.messages]
        return self.messages[0]


def parts(message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode(p.get_content_charset())
        for p in message.walk()
        if not p.is_multipart()
    }


def reset_link(message) -> str:
    found = re.search(r"http://localhost(/auth/reset_password/\S+)", parts(message)["text/plain"])
    assert found, parts(message)["text/plain"]
    return found.group(1)


@pytest.fixture
def smtp():
    inbox = Inbox()
    with smtp_server(inbox) as inbox.port:
        yield inbox


@pytest.fixture
def mail_app(database_url, smtp):
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_TIMEOUT=5,
        MAIL_DEFAULT_SENDER="Microblog <no-reply@example.com>",
    )
    with running(app):
        yield app


@pytest.fixture
def mail_client(mail_app):
    make_user("alice")
    return mail_app.test_client()


def request_reset(client, address: str, **headers):
    login = page(client.get("/auth/login", headers=headers))
    form_page = client.get(by_id(login, "forgot-password")["href"], headers=headers)
    assert form_page.status_code == 200
    return submit(client, by_id(page(form_page), "reset-request-form"), headers=headers, email=address)


def asks_for_a_reset(client, address):
    """Fill in the "forgot password" form (the page itself, not the sign-in page's link to it)."""
    return actor(client).opens("/auth/reset_password_request").submits("#reset-request-form", email=address)


def sets_a_new_password(client, link, **fields):
    """Open the emailed link and fill in its form (NEW_PASSWORD twice unless `fields` say otherwise)."""
    return (
        actor(client)
        .opens(link)
        .submits("#reset-password-form", **{"password": NEW_PASSWORD, "password2": NEW_PASSWORD, **fields})
    )


def test_reset_through_the_email_link_then_sign_in_with_the_new_password(mail_client, smtp):
    response = request_reset(mail_client, "Alice@Example.com")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert FLASH in text(page(mail_client.get("/auth/login")))
    message = smtp.only()
    assert message["To"] == "alice@example.com" and "Reset your password" in message["Subject"]
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    link = reset_link(message)
    assert f'href="http://localhost{link}"' in bodies["text/html"]

    form_page = mail_client.get(link)
    assert form_page.headers["Cache-Control"] == "no-store" and form_page.headers["Referrer-Policy"] == "no-referrer"
    form = by_id(page(form_page), "reset-password-form")
    response = submit(mail_client, form, password=NEW_PASSWORD, password2=NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert "Your password has been reset" in text(page(mail_client.get("/auth/login")))
    alice = actor(mail_client, "alice")  # the sign-in form itself is what this checks
    assert alice.signs_in(PASSWORD).status == 422
    assert alice.signs_in(NEW_PASSWORD).status == 303


def test_the_link_works_once(mail_client, smtp):
    request_reset(mail_client, "alice@example.com")
    link = reset_link(smtp.only())
    assert sets_a_new_password(mail_client, link).status_code == 303
    for method in (mail_client.get, mail_client.post):
        response = method(link, data={"password": "another one!", "password2": "another one!"})
        assert response.status_code == 303 and response.headers["Location"] == "/auth/reset_password_request"
    assert "invalid, already used or expired" in text(page(mail_client.get("/auth/reset_password_request")))
    assert db.session.scalar(sa.select(User)).check_password(NEW_PASSWORD)


def test_any_password_change_invalidates_the_link(mail_client, smtp):
    request_reset(mail_client, "alice@example.com")
    link = reset_link(smtp.only())
    alice = db.session.scalar(sa.select(User))
    alice.set_password("changed elsewhere")
    db.session.commit()
    assert mail_client.get(link).status_code == 303


def test_an_expired_link_is_refused(mail_app, mail_client, smtp):
    request_reset(mail_client, "alice@example.com")
    link = reset_link(smtp.only())
    mail_app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every token is now older than allowed
    assert mail_client.get(link).status_code == 303
    mail_app.config["PASSWORD_RESET_MAX_AGE"] = 1800
    assert mail_client.get(link).status_code == 200


def test_setting_the_new_password_signs_out_other_sessions(mail_app, mail_client, smtp, signed_in):
    other = mail_app.test_client()
    signed_in("alice", other)
    assert other.get("/index").status_code == 200
    request_reset(mail_client, "alice@example.com")
    sets_a_new_password(mail_client, reset_link(smtp.only()))
    assert other.get("/index").status_code == 302


def test_unknown_address_gets_the_same_answer_and_an_email_without_a_link(mail_client, smtp):
    known = request_reset(mail_client, "alice@example.com")
    unknown = request_reset(mail_client, "nobody@example.com")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert FLASH in text(page(mail_client.get("/auth/login")))
    # Both addresses get an email (so the time taken and a failing server look alike); only the account's has a link.
    assert [m["To"] for m in smtp.messages] == ["alice@example.com", "nobody@example.com"]
    no_account = parts(smtp.messages[1])
    assert "no account uses it" in no_account["text/plain"]
    assert "/auth/reset_password/" not in no_account["text/plain"] + no_account["text/html"]
    assert "http://localhost/auth/register" in no_account["text/plain"]


def test_email_in_the_readers_language(mail_client, smtp):
    request_reset(mail_client, "alice@example.com", **{"Accept-Language": "es"})
    message = smtp.only()
    assert (
        "Restablece tu contraseña" in email.header.make_header(email.header.decode_header(message["Subject"])).__str__()
    )
    bodies = parts(message)
    assert "Para restablecer tu contraseña" in bodies["text/plain"]
    assert 'lang="es"' in bodies["text/html"]


def test_without_mail_server_the_email_goes_to_the_log(app, client, alice, caplog):
    assert app.config["MAIL_SERVER"] is None
    with caplog.at_level("WARNING"):
        assert request_reset(client, "alice@example.com").status_code == 303
    logged = "\n".join(r.getMessage() for r in caplog.records)
    link = re.search(r"http://localhost(/auth/reset_password/\S+)", logged).group(1)
    assert sets_a_new_password(client, link).status_code == 303
    assert db.session.scalar(sa.select(User)).check_password(NEW_PASSWORD)


def test_unreachable_mail_server_gives_a_clear_503(database_url):
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    with app.app_context():
        make_user("alice")
        for address in ("alice@example.com", "nobody@example.com"):  # known or not: the same answer
            response = asks_for_a_reset(app.test_client(), address)
            assert response.status_code == 503
            assert "could not send the email" in text(by_id(page(response), "error"))
        db.session.remove()
        db.engine.dispose()


def test_a_mail_server_that_never_answers_does_not_hang_the_request(database_url):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection (the kernel does), never says hello
    app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=1)
    try:
        with app.app_context():
            make_user("alice")
            started = time.monotonic()
            response = asks_for_a_reset(app.test_client(), "alice@example.com")
            assert response.status_code == 503
            assert time.monotonic() - started < 10
            db.session.remove()
            db.engine.dispose()
    finally:
        silent.close()


@pytest.mark.parametrize(
    "address, error",
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("not-an-email", "Invalid email"),
        ("a" * 10_000 + "@example.com", "at most 120"),
        ("alice\x00@example.com", "control characters"),
    ],
)
def test_bad_addresses_get_the_field_error_and_no_email(mail_client, smtp, address, error):
    response = asks_for_a_reset(mail_client, address)
    assert response.status_code == 422
    assert error in text(by_id(page(response), "email-error"))
    assert smtp.messages == []


@pytest.mark.parametrize("token", ["x", "a" * 5000, "eyJpZCI6MX0.bad.sig", "%00", "..%2F..%2Fetc", "é" * 30])
def test_hostile_tokens_are_refused_without_an_error(mail_client, token):
    for method in (mail_client.get, mail_client.post):
        response = method(f"/auth/reset_password/{token}", data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code in (303, 404), response.status_code
    assert db.session.scalar(sa.select(User)).check_password(PASSWORD)


def test_a_token_signed_with_another_key_is_refused(mail_app, mail_client, smtp):
    request_reset(mail_client, "alice@example.com")
    link = reset_link(smtp.only())
    mail_app.config["SECRET_KEY"] = "another-secret"
    assert mail_client.get(link).status_code == 303


@pytest.mark.parametrize(
    "fields, field_id, error",
    [
        ({"password": "short", "password2": "short"}, "password-error", "8"),
        ({"password2": "different!"}, "password2-error", "do not match"),
        ({"password": "", "password2": ""}, "password-error", "required"),
    ],
)
def test_bad_new_passwords_keep_the_link_working(mail_client, smtp, fields, field_id, error):
    request_reset(mail_client, "alice@example.com")
    link = reset_link(smtp.only())
    response = sets_a_new_password(mail_client, link, **fields)
    assert response.status_code == 422
    assert error in text(by_id(page(response), field_id))
    assert mail_client.get(link).status_code == 200
    assert db.session.scalar(sa.select(User)).check_password(PASSWORD)


def test_signed_in_users_are_sent_home(signed_in):
    as_alice = signed_in("alice")
    assert as_alice.opens("/auth/reset_password_request").status_code == 302


def test_csrf_is_checked(csrf_app):
    make_user("alice")
    client = csrf_app.test_client()
    response = client.post("/auth/reset_password_request", data={"email": "alice@example.com"})  # no token
    assert response.status_code == 400


def _clear_hits():
    db.session.execute(sa.delete(RateLimitHit))
    db.session.commit()


def test_requests_are_rate_limited_per_email_and_per_address(mail_app, mail_client, smtp):
    mail_app.config.update(
        RATELIMIT_IN_TESTS=True, RATELIMIT_RESET_PER_EMAIL=(2, 3600), RATELIMIT_RESET_PER_ADDRESS=(6, 3600)
    )
    _clear_hits()
    try:
        for address in ("alice@example.com", "nobody@example.com"):  # known or not: the same limits
            for _ in range(2):
                assert asks_for_a_reset(mail_client, address).status_code == 303
            response = asks_for_a_reset(mail_client, address)
            assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
            assert "Too many password reset requests" in text(by_id(page(response), "error"))
        assert len(smtp.messages) == 4  # the refused requests sent nothing
        # Every attempt counts, refused ones too: the address has used its 6, so a fresh email is refused.
        response = asks_for_a_reset(mail_client, "third@example.com")
        assert response.status_code == 429
    finally:
        _clear_hits()
