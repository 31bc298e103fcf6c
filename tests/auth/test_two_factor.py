"""Two-factor sign-in (SPEC S19): enabling by a code from the shown secret, recovery codes, the sign-in's
second step, replays, rate limits, turning it off, and a password reset that does not bypass it."""

from __future__ import annotations

import hashlib
import logging
import time

import pyotp
import pytest
import sqlalchemy as sa

from microblog.auth.password_reset import reset_token
from microblog.extensions import db
from microblog.users.models import RecoveryCode, User
from tests.conftest import PASSWORD, make_user
from tests.html import actor, page, text


def code_for(secret: str, offset: int = 0) -> str:
    """The code for the time step now (+ `offset`: the server accepts one step either side)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + offset)


def next_code(secret: str) -> str:
    """A code not used yet: enabling used this time step's code, and a code is never accepted twice."""
    return code_for(secret, 1)


def turns_on(me) -> tuple[str, list[str]]:
    """Open the two-factor section, read the secret it shows, confirm its code: (secret, recovery codes)."""
    section = me.opens("/settings/two-factor")
    secret = section.text("totp-secret")
    assert section.by_id("totp-qr")["src"].startswith("data:image/svg+xml")
    done = section.submits("#enable-2fa-form", code=code_for(secret))
    assert done.status == 200 and done.headers["Cache-Control"] == "no-store"
    codes = [text(li) for li in done.by_id("recovery-codes").find_all("li")]
    return secret, codes


@pytest.fixture
def alice_2fa(client, alice):
    me = actor(client, "alice")
    me.signs_in()
    secret, codes = turns_on(me)
    me.signs_out()
    return me, secret, codes


def stored(name="alice") -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def test_enabling_shows_ten_codes_once_and_stores_only_hashes(client, alice):
    me = actor(client, "alice")
    me.signs_in()
    secret, codes = turns_on(me)
    assert len(codes) == len(set(codes)) == 10
    assert stored().totp_secret == secret
    hashes = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert hashes == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    again = me.opens("/settings/two-factor")
    assert not again.soup.find(id="recovery-codes") and "10 recovery codes left" in again.text("settings-section")
    assert all(code not in again.html for code in codes)


def test_a_wrong_code_does_not_turn_it_on(client, alice):
    me = actor(client, "alice")
    me.signs_in()
    section = me.opens("/settings/two-factor")
    wrong = section.submits(
        "#enable-2fa-form", code="000000" if code_for(section.text("totp-secret")) != "000000" else "111111"
    )
    assert wrong.status == 422 and wrong.by_id("code-error")
    assert stored().totp_secret is None
    htmx = me.opens("/settings/two-factor").with_htmx().submits("#enable-2fa-form", code="abc")
    assert htmx.status == 422 and htmx.fragment("#settings-section").find(id="code-error")


def test_sign_in_asks_for_a_code_and_the_half_signed_in_state_is_signed_out(client, alice_2fa):
    me, secret, _codes = alice_2fa
    response = me.signs_in()
    assert response.status == 303 and response.location == "/auth/login/code"
    # The password alone signs nobody in: every page still sends to the sign-in page.
    for url in ["/index", "/settings/profile", "/messages"]:
        assert client.get(url).status_code == 302, url
    assert client.get("/notifications/badge", headers={"HX-Request": "true"}).status_code == 286
    done = me.opens("/auth/login/code").submits("#login-code-form", code=next_code(secret))
    assert done.status == 303 and done.location == "/index"
    assert "Hi, alice!" in me.opens("/index").text()


def test_a_code_is_refused_the_second_time_and_a_wrong_one_is_a_422(client, alice_2fa):
    me, secret, _codes = alice_2fa
    me.signs_in()
    code = next_code(secret)
    wrong = me.opens("/auth/login/code").submits("#login-code-form", code="12345x")
    assert wrong.status == 422 and "not right" in wrong.text("code-error")
    assert me.opens("/auth/login/code").submits("#login-code-form", code=code).status == 303
    me.signs_out()
    me.signs_in()
    replay = me.opens("/auth/login/code").submits("#login-code-form", code=code)
    assert replay.status == 422 and client.get("/index").status_code == 302


def test_a_recovery_code_works_once(client, alice_2fa):
    me, _secret, codes = alice_2fa
    me.signs_in()
    assert me.opens("/auth/login/code").submits("#login-code-form", code=codes[0].upper()).status == 303
    me.signs_out()
    me.signs_in()
    assert me.opens("/auth/login/code").submits("#login-code-form", code=codes[0]).status == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 9


def test_second_step_attempts_are_rate_limited_per_account(rl_app, rl_client):
    rl_app.config["RATELIMIT_TOTP_PER_ACCOUNT"] = (3, 900)
    make_user("alice")
    me = actor(rl_client, "alice")
    me.signs_in()
    secret, _codes = turns_on(me)
    me.signs_out()
    me.signs_in()
    wrong = "000000" if code_for(secret) != "000000" else "111111"
    for _ in range(3):
        assert me.opens("/auth/login/code").submits("#login-code-form", code=wrong).status == 422
    blocked = me.opens("/auth/login/code").submits("#login-code-form", code=next_code(secret))
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 0
    assert rl_client.get("/index").status_code == 302


def test_the_second_step_without_a_password_first_goes_back_to_sign_in(client, alice_2fa):
    response = client.get("/auth/login/code")
    assert response.status_code in (302, 303) and response.headers["Location"] == "/auth/login"
    assert (
        client.post("/auth/login/code", data={"code": "123456"}).status_code == 303
    )  # raw: no sign-in came first, so no page offers the code form


def test_a_password_reset_does_not_bypass_two_factor(client, alice_2fa):
    me, secret, _codes = alice_2fa
    with client.application.test_request_context():
        link = f"/auth/reset_password/{reset_token(stored())}"
    new = "a brand new secret"
    assert me.opens(link).submits("#reset-password-form", password=new, password2=new).status == 303
    response = me.signs_in(password=new)
    assert response.status == 303 and response.location == "/auth/login/code"
    assert client.get("/index").status_code == 302
    assert me.opens("/auth/login/code").submits("#login-code-form", code=next_code(secret)).status == 303


def test_turning_it_off_needs_the_password_and_a_code(client, alice_2fa):
    me, secret, codes = alice_2fa
    me.signs_in()
    me.opens("/auth/login/code").submits("#login-code-form", code=codes[1])
    section = me.opens("/settings/two-factor")
    no_password = section.submits("#disable-2fa-form", password="wrong password", code=codes[2])
    assert no_password.status == 422 and no_password.by_id("password-error")
    no_code = me.opens("/settings/two-factor").submits("#disable-2fa-form", password=PASSWORD, code="999999x")
    assert no_code.status == 422 and no_code.by_id("code-error")
    assert stored().two_factor
    off = me.opens("/settings/two-factor").submits("#disable-2fa-form", password=PASSWORD, code=next_code(secret))
    assert off.status == 303 and not stored().two_factor
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    me.signs_out()
    assert me.signs_in().location == "/index"  # no second step any more


def test_codes_are_never_logged(client, alice, caplog):
    caplog.set_level(logging.DEBUG)
    me = actor(client, "alice")
    me.signs_in()
    secret, codes = turns_on(me)
    me.signs_out()
    me.signs_in()
    me.opens("/auth/login/code").submits("#login-code-form", code=codes[0])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert secret not in logged and not any(code in logged for code in codes)


def test_two_factor_forms_with_csrf_on(csrf_app):
    make_user("alice")
    client = csrf_app.test_client()
    me = actor(client, "alice")
    me.signs_in()
    assert client.post("/settings/two-factor/enable", data={"code": "123456"}).status_code == 400  # raw: no CSRF token
    secret, codes = turns_on(me)
    me.signs_out()
    me.signs_in()
    assert client.post("/auth/login/code", data={"code": code_for(secret)}).status_code == 400  # no token
    assert me.opens("/auth/login/code").submits("#login-code-form", code=next_code(secret)).status == 303
    assert me.opens("/settings/two-factor").submits("#disable-2fa-form", password=PASSWORD, code=codes[0]).status == 303
    assert page(client.get("/settings/two-factor")).find(id="enable-2fa-form")


def test_a_replay_racing_the_first_use_is_refused_by_the_database(app, alice):
    """Two requests with the same code both read the old last step; the conditional UPDATE lets one through."""
    from types import SimpleNamespace

    from microblog.auth import two_factor
    from microblog.database import begin_write

    secret = two_factor.new_secret()
    alice.totp_secret = secret
    db.session.commit()
    as_read_by_both = SimpleNamespace(id=alice.id, two_factor=True, totp_secret=secret, totp_last_step=0)
    code = code_for(secret)
    begin_write()
    assert two_factor.use_code(as_read_by_both, code)
    db.session.commit()
    begin_write()
    assert not two_factor.use_code(as_read_by_both, code)  # its stale last step says 0: the database says no
    db.session.commit()
