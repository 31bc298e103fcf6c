"""Rate limits counted in the database: shared by every worker, exact under concurrency, 429 + Retry-After;
and the connection pool they share with every request."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from microblog import ratelimit
from microblog.extensions import db
from microblog.messages.models import Message
from microblog.ratelimit import RateLimitHit
from tests.conftest import HTMX, PASSWORD, clear_rate_limit_hits, make_app, make_user, running
from tests.html import actor
from tests.auth.test_ratelimit import _hits, _login


def test_hit_counts_and_answers_retry_after(rl_app):
    assert [ratelimit.hit("t", "k", 3, 60) for _ in range(3)] == [None, None, None]
    retry = ratelimit.hit("t", "k", 3, 60)
    assert retry is not None and 1 <= retry <= 60
    assert ratelimit.peek("t", "k", 3, 60) is not None
    # Other keys and buckets are counted apart.
    assert ratelimit.hit("t", "other", 3, 60) is None
    assert ratelimit.hit("u", "k", 3, 60) is None
    assert _hits() == {("t", "k"): 4, ("t", "other"): 1, ("u", "k"): 1}


def test_long_and_odd_keys_are_stored_bounded(rl_app):
    ratelimit.hit("t", "x" * 5000, 3, 60)
    ratelimit.hit("t", "bad\x00key\ud800", 3, 60)
    keys = [key for _, key in _hits()]
    assert len(keys) == 2 and all(len(key) <= ratelimit.KEY_MAX and key.startswith("sha256:") for key in keys)


def test_old_windows_are_dropped(rl_app):
    db.session.add(RateLimitHit(bucket="t", key="k", window_start=60, count=99))
    db.session.commit()
    assert ratelimit.hit("t", "k", 3, 60) is None
    assert list(_hits().values()) == [1]


def test_disabled_counts_nothing(database_url):
    app = make_app(database_url, RATELIMIT_IN_TESTS=True, RATELIMIT_ENABLED=False)
    with app.app_context():
        assert all(ratelimit.hit("t", "k", 1, 60) is None for _ in range(5))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RateLimitHit)) == 0
        db.engine.dispose()


def test_concurrent_hits_are_all_counted(rl_app):
    """Eight threads (as eight workers would, each with its own connection) count exactly 80 hits."""
    results: list[int | None] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with rl_app.app_context():
                for _ in range(10):
                    results.append(ratelimit.hit("race", "k", 50, 3600))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _hits()[("race", "k")] == 80
    assert sum(r is None for r in results) == 50  # exactly the first 50 went through


def test_concurrent_hits_on_several_limits_are_all_counted(rl_app):
    """hit_all counts its limits in one transaction: eight threads, half of them naming the limits in the other
    order, count exactly 80 hits on each (no lost hit, no deadlock between two requests' rows), and exactly
    the first 30 pass the tighter one."""
    results: list[int | None] = []
    errors: list[BaseException] = []
    limits = [ratelimit.Limit("pair-a", "k", 30, 3600), ratelimit.Limit("pair-b", "k", 1000, 3600)]

    def worker(order):
        try:
            with rl_app.app_context():
                for _ in range(10):
                    results.append(ratelimit.hit_all(order))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(limits[:: 1 if n % 2 else -1],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _hits() == {("pair-a", "k"): 80, ("pair-b", "k"): 80}
    assert sum(r is None for r in results) == 30
    assert all(r is None or 1 <= r <= 3600 for r in results)


def test_hit_all_answers_the_longest_wait_and_counts_every_limit(rl_app):
    short, long = ratelimit.Limit("short", "k", 1, 60), ratelimit.Limit("long", "k", 1, 86400)
    assert ratelimit.hit_all([short, long]) is None
    retry = ratelimit.hit_all([short, long])
    assert abs(retry - ratelimit._window(86400, time.time())[1]) <= 1  # both over: the day's wait, the longest
    assert ratelimit.hit_all([short, short]) is not None  # one counter named twice is counted once
    assert _hits() == {("short", "k"): 3, ("long", "k"): 2}
    assert ratelimit.hit_all([]) is None


def test_rate_limits_are_off_in_other_tests(client, alice):
    """The shared fixtures do not count: other test files never meet a 429."""
    for _ in range(15):
        assert actor(client, "alice").signs_in(password="wrong password").status == 422
    assert actor(client, "alice").signs_in().status == 303


def test_rate_limits_are_on_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)
    from microblog import config

    cfg = config.load(str(tmp_path))
    assert cfg["RATELIMIT_ENABLED"] is True
    assert cfg["RATELIMIT_MESSAGES_PER_SENDER"] == (30, 60)
    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    assert config.load(str(tmp_path))["RATELIMIT_ENABLED"] is False


def _small_pool_app(database_url, size: int, timeout: float, **overrides):
    app = make_app(
        database_url,
        RATELIMIT_IN_TESTS=True,
        LAST_SEEN_RESOLUTION_SECONDS=0,  # every page view writes last_seen
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": size, "max_overflow": 0, "pool_timeout": timeout},
        **overrides,
    )
    clear_rate_limit_hits(database_url)
    return app


@pytest.fixture
def one_connection_app(database_url):
    """Rate limits on and a pool of ONE connection: a request that needs a second one times out."""
    app = _small_pool_app(database_url, 1, 3)
    with running(app):
        yield app
    clear_rate_limit_hits(database_url)


def test_no_request_needs_a_second_pooled_connection(one_connection_app):
    """Failed and right sign-ins (the limiter), a page view (last_seen) and a message (its limit) each
    run on the request's one connection."""
    make_user("alice"), make_user("bob")
    client = one_connection_app.test_client()
    assert _login(client, "alice", "wrong password").status_code == 422
    assert _login(client, "nobody", "wrong password").status_code == 422
    assert _login(client, "alice", PASSWORD).status_code == 303
    assert client.get("/index").status_code == 200
    assert actor(client).opens("/messages/bob").submits("#message-form", message="one connection").status == 303
    for url in ["/messages", "/messages/bob", "/notifications", "/user/bob", "/settings/profile"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/notifications/badge", headers=HTMX).status_code in (200, 204)
    assert actor(client).signs_out().status == 303
    assert (
        actor(client)
        .opens("/auth/register")
        .submits("#register-form", username="carol", email="carol@example.com", password=PASSWORD, password2=PASSWORD)
        .status
        == 303
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1


def test_a_pool_timeout_is_a_503_with_retry_after(one_connection_app):
    make_user("alice")
    client = one_connection_app.test_client()
    assert _login(client, "alice", PASSWORD).status_code == 303
    db.session.commit()
    with db.engine.connect() as held:  # the only connection, taken by someone else
        held.execute(sa.select(1))
        db.engine.pool._timeout = 0.3
        for headers in ({}, HTMX):
            response = client.get("/index", headers=headers)
            assert response.status_code == 503, response.status_code
            assert response.headers["Retry-After"] == "5"
            assert "briefly unavailable" in response.get_data(as_text=True)
    assert client.get("/index").status_code == 200  # and back once a connection is free


def test_the_documented_limits_are_the_defaults(app):
    """README, Security: the numbers it gives are the ones the app runs with."""
    cfg = app.config
    assert cfg["RATELIMIT_ENABLED"] is True
    assert cfg["RATELIMIT_LOGIN_PER_ACCOUNT"] == (10, 900) and cfg["RATELIMIT_LOGIN_PER_ADDRESS"] == (50, 900)
    assert cfg["RATELIMIT_LOGIN_PER_DEVICE"] == (10, 900)
    assert cfg["RATELIMIT_REGISTER_PER_ADDRESS"] == (10, 3600) and cfg["RATELIMIT_MESSAGES_PER_SENDER"] == (30, 60)
    assert cfg["MAX_CONTENT_LENGTH"] == 64 * 1024 and cfg["TRUSTED_PROXIES"] == 0


def test_concurrent_failed_sign_ins_with_limits_on_never_exhaust_the_pool(database_url):
    """Twenty wrong passwords at once on a pool of three (limits on), while a signed-in user reads pages:
    nobody gets a 500 or waits for a connection that never comes."""
    app = _small_pool_app(
        database_url, 3, 20, RATELIMIT_LOGIN_PER_ACCOUNT=(10, 900), RATELIMIT_LOGIN_PER_ADDRESS=(1000, 900)
    )
    with app.app_context():
        make_user("alice"), make_user("bob")
        reader = app.test_client()
        assert _login(reader, "bob", PASSWORD, address="10.9.9.9").status_code == 303
        statuses: list[int] = []
        pages: list[int] = []

        def guess():
            statuses.append(_login(app.test_client(), "alice", "wrong password").status_code)

        def read():
            for _ in range(5):
                pages.append(reader.get("/index").status_code)

        workers = [guess] * 20 + [read]
        threads = [threading.Thread(target=fn) for fn in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        # Counted atomically: exactly the limit of guesses was checked, the rest were refused.
        assert sorted(statuses) == [422] * 10 + [429] * 10
        assert pages == [200] * 5
        assert _hits()[("login-account", "alice")] == 20
        db.session.remove()
        db.engine.dispose()
    clear_rate_limit_hits(database_url)


def test_finished_windows_of_one_off_keys_are_purged(rl_app):
    db.session.add_all(
        [RateLimitHit(bucket="login-account", key=f"once{n}", window_start=60, count=1) for n in range(5)]
    )
    db.session.add(RateLimitHit(bucket="register", key="elsewhere", window_start=60, count=1))
    db.session.commit()
    assert ratelimit.hit("login-account", "someone", 10, 900) is None
    # Every stale row of the bucket is gone, not only the same key's; other buckets wait for their own hits.
    assert _hits() == {("login-account", "someone"): 1, ("register", "elsewhere"): 1}
