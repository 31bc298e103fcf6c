"""Sign-in and sign-up limits (SPEC S10): per account, per address, per known browser; 429 + Retry-After.
The counting itself is tested in house/test_ratelimit.py, the message limit in messages/."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.auth.session import USER_FIELD
from microblog.extensions import db
from microblog.ratelimit import RateLimitHit
from microblog.users.models import User
from tests.conftest import PASSWORD, make_user, statement_log
from tests.html import actor, by_id, fragment, page, text

HTMX = {"HX-Request": "true"}


def _hits() -> dict[tuple[str, str], int]:
    rows = db.session.execute(sa.select(RateLimitHit.bucket, RateLimitHit.key, RateLimitHit.count)).all()
    db.session.rollback()
    return {(bucket, key): count for bucket, key, count in rows}


def _login(client, username, password, address="10.0.0.1"):
    return actor(client, username, password).from_address(address).signs_in()


def test_failed_logins_slow_the_guessing_address_down_not_the_owner(rl_client, rl_app):
    make_user("alice")
    make_user("bob")
    for _ in range(3):
        response = _login(rl_client, "alice", "wrong password")
        assert response.status_code == 422
    # The guessing address is blocked now, even with the right password, in any case of the name.
    response = _login(rl_client, "ALICE", PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 900
    assert "Too many failed sign-ins" in text(by_id(page(response), "error"))
    assert USER_FIELD not in (rl_client.get_cookie("session").value if rl_client.get_cookie("session") else "")
    # From another address the account is slowed down (a few tries each), not locked: the owner gets in.
    elsewhere = rl_app.test_client()
    assert [_login(elsewhere, "alice", "wrong", address="10.0.0.3").status_code for _ in range(4)] == [
        422,
        422,
        422,
        429,
    ]
    assert _login(rl_app.test_client(), "ALICE", PASSWORD, address="10.0.0.2").status_code == 303
    # Another account is not affected.
    assert _login(rl_app.test_client(), "bob", PASSWORD, address="10.0.0.2").status_code == 303


def test_a_noisy_address_slows_each_account_down_and_caps_spraying(rl_client, rl_app):
    make_user("alice")
    for n in range(6):
        assert _login(rl_client, f"nobody{n}", "wrong password").status_code == 422
    # The address is over its limit: each name from it gets a few tries, the owner behind it gets in.
    assert [_login(rl_app.test_client(), "nobody9", "wrong").status_code for _ in range(4)] == [422, 422, 422, 429]
    assert _login(rl_app.test_client(), "alice", PASSWORD).status_code == 303
    # Spraying many names from one address stops at its hard cap.
    rl_app.config["RATELIMIT_LOGIN_PER_ADDRESS_CAP"] = (11, 900)  # 10 counted so far
    assert _login(rl_app.test_client(), "nobody20", "wrong").status_code == 422
    assert _login(rl_app.test_client(), "nobody21", "wrong").status_code == 429
    assert _login(rl_app.test_client(), "alice", PASSWORD, address="10.0.0.9").status_code == 303


def test_the_owner_gets_in_from_a_new_browser_with_production_limits(rl_app):
    """SPEC S16/S22 with the real numbers: 10 wrong guesses from elsewhere and 50 unknown names from the
    owner's shared address do not keep the owner, in a browser never used before, out."""
    from microblog.config import load

    defaults = load(rl_app.instance_path)
    rl_app.config.update({k: v for k, v in defaults.items() if k.startswith("RATELIMIT_LOGIN")})
    make_user("alice")
    for _ in range(10):
        assert _login(rl_app.test_client(), "alice", "wrong password", address="203.0.113.5").status_code == 422
    for n in range(50):
        assert _login(rl_app.test_client(), f"ghost{n}", "wrong password", address="198.51.100.1").status_code == 422
    assert _login(rl_app.test_client(), "alice", PASSWORD, address="198.51.100.1").status_code == 303
    assert _login(rl_app.test_client(), "alice", PASSWORD, address="192.0.2.1").status_code == 303


def test_login_429_for_htmx_is_a_fragment(rl_client):
    for _ in range(3):
        _login(rl_client, "ghost", "wrong password")
    # The sign-in form has no hx-post: this is what an htmx-driven client would send, not our page.
    response = rl_client.post(
        "/auth/login",
        data={"username": "ghost", "password": "x" * 8},
        headers=HTMX,
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in text(fragment(response, "#error"))


def test_successful_logins_are_not_counted(rl_client):
    make_user("alice")
    for _ in range(6):
        assert _login(rl_client, "alice", PASSWORD).status_code == 303
        assert actor(rl_client).signs_out().status == 303
    assert _hits() == {}


def test_registrations_per_address(rl_client):
    def register(n, address="10.0.0.1"):
        response = (
            actor(rl_client)
            .from_address(address)
            .opens("/auth/register")
            .submits(
                "#register-form",
                username=f"user{n}",
                email=f"user{n}@example.com",
                password=PASSWORD,
                password2=PASSWORD,
            )
        )
        if response.status_code == 303:  # registering signs in: out again for the next one
            actor(rl_client).signs_out()
        return response

    assert register(1).status_code == 303
    assert register(2).status_code == 303
    response = register(3)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many registrations" in text(by_id(page(response), "error"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    assert register(4, address="10.0.0.7").status_code == 303


# --- SPEC S16: limits that never lock the owner out ------------------------------------------------------


def test_the_owner_signs_in_from_a_known_browser_while_others_guess(rl_client, rl_app):
    """An attacker locks the account (and the shared address) with guesses; the owner's browser, where
    they signed in before, still gets in with the right password."""
    make_user("alice")
    assert _login(rl_client, "alice", PASSWORD).status_code == 303
    assert rl_client.get_cookie("microblog_device", path="/auth/") is not None
    assert actor(rl_client).signs_out().status == 303
    attacker = rl_app.test_client()
    for n in range(6):
        _login(attacker, "alice" if n % 2 else f"ghost{n}", "wrong password")
    assert _login(attacker, "alice", PASSWORD).status_code == 429  # a new browser must wait
    assert _login(rl_client, "alice", PASSWORD).status_code == 303  # the owner's does not
    # A forged or someone else's device cookie is no key.
    attacker.set_cookie("microblog_device", "forged", path="/auth/")
    assert _login(attacker, "alice", PASSWORD).status_code == 429


def test_a_known_browser_is_still_limited_for_wrong_passwords(rl_client, rl_app):
    make_user("alice")
    rl_app.config["RATELIMIT_LOGIN_PER_DEVICE"] = (2, 900)
    assert _login(rl_client, "alice", PASSWORD).status_code == 303
    assert actor(rl_client).signs_out().status == 303
    assert [_login(rl_client, "alice", "wrong password").status_code for _ in range(3)] == [422, 422, 429]


def test_ipv6_clients_are_counted_per_64(rl_client, rl_app):
    rl_app.config["RATELIMIT_LOGIN_PER_ADDRESS_CAP"] = (5, 900)
    for n in range(5):
        assert _login(rl_client, f"ghost{n}", "wrong password", address=f"2001:db8:1:2::{n + 1}").status_code == 422
    # Another address in the same /64: the same client.
    assert _login(rl_client, "ghost9", "wrong", address="2001:db8:1:2:ffff::1").status_code == 429
    assert _login(rl_client, "ghost9", "wrong", address="2001:db8:1:3::1").status_code == 422
    assert ("login-address", "2001:db8:1:2::/64") in _hits()


def test_every_registration_attempt_counts(rl_client):
    """Probing which names or emails exist is limited: failed registrations count as well."""
    make_user("alice")
    register = actor(rl_client).from_address("10.0.0.1").opens("/auth/register")
    for _ in range(2):
        response = register.submits("#register-form", username="alice", email="x@example.com")
        assert response.status_code == 422
    response = register.submits("#register-form", username="alice2", email="x@example.com")
    assert response.status_code == 429


def test_a_wrong_password_for_an_unknown_name_is_checked_against_a_hash_too(rl_client, monkeypatch):
    """The same work (one password hash check) for an unknown name as for a known one: timing tells nothing."""
    from microblog.auth import throttle
    from microblog.users import models

    calls = []

    def counting(real):
        def check(pwhash, password):
            calls.append(password)
            return real(pwhash, password)

        return check

    monkeypatch.setattr(throttle, "check_password_hash", counting(throttle.check_password_hash))
    monkeypatch.setattr(models, "check_password_hash", counting(models.check_password_hash))
    make_user("alice")
    assert _login(rl_client, "alice", "wrong one").status_code == 422
    assert _login(rl_client, "nobody", "wrong two").status_code == 422
    assert calls == ["wrong one", "wrong two"]


def test_a_sign_in_counts_its_three_limits_in_one_upsert_and_a_right_password_takes_them_back_at_once(
    rl_client, rl_app
):
    """From a new browser an attempt counts against the account, the address and the pair: one upsert in one
    write transaction (three cost two more transactions); a right password takes the three hits back in one."""
    rl_app.config.update(RATELIMIT_LOGIN_PER_ACCOUNT=(100, 900), RATELIMIT_LOGIN_PER_ADDRESS=(100, 900))
    make_user("alice")
    assert _login(rl_client, "alice", "wrong").status_code == 422  # opens each bucket's window
    log = statement_log(db.engine)
    with log.recording():
        assert _login(rl_client, "alice", "wrong again").status_code == 422
    upserts = [w for w in log.writes if w.startswith("INSERT INTO rate_limit_hit")]
    assert len(upserts) == 1 and len(log.writes) == 1, log.writes
    if db.engine.dialect.name == "sqlite":
        # the POST's own transaction (it reads the user), then one for the three counts (was three)
        assert [s for s in log.statements if s.startswith("BEGIN IMMEDIATE")] == ["BEGIN IMMEDIATE"] * 2
    assert {bucket: count for (bucket, _key), count in _hits().items()} == {
        "login-account": 2,
        "login-address": 2,
        "login-pair": 2,
    }
    with log.recording():
        assert _login(rl_client, "alice", PASSWORD).status_code == 303
    if db.engine.dialect.name == "sqlite":  # the POST's own, the counts, the take-back (was 1 + 3 + 3)
        assert [s for s in log.statements if s.startswith("BEGIN IMMEDIATE")] == ["BEGIN IMMEDIATE"] * 3
    assert {bucket: count for (bucket, _key), count in _hits().items()} == {
        "login-account": 2,
        "login-address": 2,
        "login-pair": 2,
    }, "the right password's hits taken back, the wrong ones kept"
