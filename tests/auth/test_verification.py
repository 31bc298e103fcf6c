"""Registering signs you in; email addresses are verified by a signed, single-use, expiring link (SPEC S19),
sent through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.mail import may_email
from microblog.seed.demo import load_demo_data
from microblog.users.models import User
from tests.auth.test_password_reset import parts, smtp  # noqa: F401 - the loopback SMTP server fixture
from tests.conftest import PASSWORD, make_app, make_user, running
from tests.html import actor


def mail_settings(smtp) -> dict:  # noqa: F811
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_TIMEOUT": 5,
        "MAIL_DEFAULT_SENDER": "Microblog <no-reply@example.com>",
    }


@pytest.fixture
def mail_app(database_url, smtp):  # noqa: F811
    with running(make_app(database_url, **mail_settings(smtp))) as app:
        yield app


@pytest.fixture
def csrf_mail_app(database_url, smtp):  # noqa: F811
    """With CSRF protection on, as in production."""
    with running(make_app(database_url, WTF_CSRF_ENABLED=True, **mail_settings(smtp))) as app:
        yield app


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


def verify_link(message) -> str:
    found = re.search(r"http://localhost(/auth/verify_email/\S+)", parts(message)["text/plain"])
    assert found, parts(message)["text/plain"]
    return found.group(1)


def registers(client, username="zoe", email="zoe@example.com"):
    return (
        actor(client)
        .opens("/auth/register")
        .submits("#register-form", username=username, email=email, password=PASSWORD, password2=PASSWORD)
    )


def user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def test_registering_signs_in_with_a_fresh_csrf_token_and_sends_a_link(csrf_mail_app, smtp):  # noqa: F811
    client = csrf_mail_app.test_client()
    zoe = actor(client)
    form_page = zoe.opens("/auth/register")
    before = zoe.csrf_token
    response = form_page.submits(
        "#register-form", username="zoe", email="zoe@example.com", password=PASSWORD, password2=PASSWORD
    )
    assert response.status == 303 and response.location == "/index"
    home = zoe.opens("/index")
    assert "Hi, zoe!" in home.text() and zoe.csrf_token != before  # signed in, and a new CSRF token
    assert "verify-banner" in home.html
    message = smtp.only()
    assert message["To"] == "zoe@example.com" and "Verify your email address" in message["Subject"]
    assert set(parts(message)) == {"text/plain", "text/html"}
    link = verify_link(message)
    assert f'href="http://localhost{link}"' in parts(message)["text/html"]
    # The link opens a page whose button verifies (a mail scanner's GET verifies nothing).
    opened = zoe.opens(link)
    assert opened.status == 200 and opened.headers["Cache-Control"] == "no-store"
    assert not user("zoe").email_verified
    done = opened.submits("#verify-email-form")
    assert done.status == 303 and done.location == "/settings/account"
    assert user("zoe").email_verified and may_email(user("zoe"))
    assert "verify-banner" not in zoe.opens("/index").html
    # Single use: the same link again is a clear 400 and changes nothing.
    again = zoe.opens(link)
    assert again.status == 400 and "invalid, already used or expired" in again.text("error")


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-3] + "xyz", lambda t: "x" * 600, lambda t: "nonsense", lambda t: t + "."]
)
def test_a_wrong_link_is_a_400_and_changes_nothing(client, smtp, mangle):  # noqa: F811
    registers(client)
    token = verify_link(smtp.only()).rsplit("/", 1)[1]
    response = client.get(f"/auth/verify_email/{mangle(token)}")
    assert response.status_code == 400
    assert client.post(f"/auth/verify_email/{mangle(token)}").status_code == 400  # raw: a mangled link: no page to fill
    assert not user("zoe").email_verified


def test_an_expired_link_is_a_400(mail_app, client, smtp):  # noqa: F811
    registers(client)
    link = verify_link(smtp.only())
    mail_app.config["EMAIL_VERIFY_MAX_AGE"] = -1
    assert (
        client.get(link).status_code == 400 and client.post(link).status_code == 400
    )  # raw: an expired link: the form page itself is refused
    assert not user("zoe").email_verified


def test_unverified_addresses_get_only_verification_and_reset_emails(client, smtp):  # noqa: F811
    registers(client)
    zoe = user("zoe")
    assert not may_email(zoe)
    zoe.email_verified = True
    db.session.commit()
    assert may_email(zoe)


def test_demo_users_are_verified(app):
    users = load_demo_data()
    assert all(u.email_verified and may_email(u) for u in users.values())


def test_resend_is_rate_limited(client, smtp, mail_app):  # noqa: F811
    mail_app.config.update(RATELIMIT_IN_TESTS=True, RATELIMIT_VERIFY_EMAIL_PER_USER=(2, 3600))
    registers(client)
    zoe = actor(client)
    for _ in range(2):
        response = zoe.opens("/settings/account").submits("#resend-form")
        assert response.status == 303 and response.location == "/settings/account"
    response = zoe.opens("/index").submits("#verify-resend-form")
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0
    assert len(smtp.messages) == 3  # registration + 2 resent
    # Each link of the three works until one is used.
    links = [verify_link(m) for m in smtp.messages]
    assert zoe.opens(links[1]).submits("#verify-email-form").status == 303
    assert client.get(links[0]).status_code == 400


def test_the_banner_is_dismissed_without_javascript_for_the_session(client, smtp):  # noqa: F811
    registers(client)
    zoe = actor(client)
    home = zoe.opens("/explore")
    assert "zoe@example.com" in home.text("verify-banner")
    response = home.submits("#verify-dismiss-form")
    assert response.status == 303 and response.location == "/explore"
    assert "verify-banner" not in zoe.opens("/explore").html
    zoe.signs_out()
    zoe.username = "zoe"
    zoe.signs_in()
    assert "verify-banner" in zoe.opens("/index").html  # a new session shows it again


def test_changing_the_email_verifies_the_new_one_and_tells_the_old(client, smtp):  # noqa: F811
    make_user("alice")
    me = actor(client, "alice")
    me.signs_in()
    wrong = me.opens("/settings/account").submits("#email-form", email="new@example.com", password="wrong one")
    assert wrong.status == 422 and wrong.by_id("email-password-error")
    assert not smtp.messages
    response = me.opens("/settings/account").submits("#email-form", email="New@Example.com", password=PASSWORD)
    assert response.status == 303
    assert {m["To"] for m in smtp.messages} == {"new@example.com", "alice@example.com"}
    notice = next(m for m in smtp.messages if m["To"] == "alice@example.com")
    assert "new@example.com" in parts(notice)["text/plain"] and set(parts(notice)) == {"text/plain", "text/html"}
    # Until verified the old address stays (and stays verified).
    stored = user("alice")
    assert (stored.email, stored.pending_email, stored.email_verified) == ("alice@example.com", "new@example.com", True)
    assert "new@example.com" in me.opens("/settings/account").text("email-status")
    link = verify_link(next(m for m in smtp.messages if m["To"] == "new@example.com"))
    assert me.opens(link).submits("#verify-email-form").status == 303
    stored = user("alice")
    assert (stored.email, stored.pending_email, stored.email_verified) == ("new@example.com", None, True)


def test_nobody_can_take_a_verified_address_by_typing_it(client, smtp):  # noqa: F811
    make_user("alice")
    registers(client, "mallory", "alice@example.com")
    notice = smtp.only()  # alice's address gets a notice, not a link for mallory
    assert notice["To"] == "alice@example.com" and "/auth/verify_email/" not in parts(notice)["text/plain"]
    mallory = user("mallory")
    assert mallory.pending_email == "alice@example.com" and not mallory.has_address
    assert user("alice").email == "alice@example.com"


def test_a_verified_owner_takes_an_address_back_from_an_unverified_squatter(app, smtp, mail_app):  # noqa: F811
    registers(mail_app.test_client(), "mallory", "zoe@example.com")  # mallory types zoe's address first
    zoe = mail_app.test_client()
    registers(zoe, "zoe", "zoe@example.com")
    assert user("zoe").pending_email == "zoe@example.com"
    link = verify_link(smtp.messages[-1])
    assert actor(zoe).opens(link).submits("#verify-email-form").status == 303
    assert user("zoe").email == "zoe@example.com" and user("zoe").email_verified
    assert not user("mallory").has_address


def test_verification_with_csrf_on(csrf_mail_app, smtp):  # noqa: F811
    client = csrf_mail_app.test_client()
    registers(client)
    link = verify_link(smtp.only())
    assert client.post(link).status_code == 400  # no CSRF token: refused
    assert not user("zoe").email_verified
    assert actor(client).opens(link).submits("#verify-email-form").status == 303
    assert user("zoe").email_verified


def test_an_account_from_before_verification_verifies_its_address_from_the_banner(client, smtp):  # noqa: F811
    make_user("old", verified=False)
    me = actor(client, "old")
    me.signs_in()
    home = me.opens("/index")
    assert "old@example.com" in home.text("verify-banner")
    assert home.submits("#verify-resend-form").status == 303
    assert me.opens(verify_link(smtp.only())).submits("#verify-email-form").status == 303
    assert user("old").email_verified and "verify-banner" not in me.opens("/index").html


def test_an_unverified_old_address_is_not_told_of_a_change(client, smtp):  # noqa: F811
    make_user("old", verified=False)
    me = actor(client, "old")
    me.signs_in()
    assert (
        me.opens("/settings/account").submits("#email-form", email="new@example.com", password=PASSWORD).status == 303
    )
    assert [m["To"] for m in smtp.messages] == ["new@example.com"]
