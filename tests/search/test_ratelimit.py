"""Abuse limits on search (SPEC S22): searches per user and per address; 429 with Retry-After, as a page and
as an htmx fragment."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.extensions import db
from microblog.ratelimit import RateLimitHit
from tests.conftest import HTMX, make_user, statement_log
from tests.html import by_id, fragment, page, text


def _hits() -> list[tuple[str, str, int]]:
    rows = db.session.execute(sa.select(RateLimitHit.bucket, RateLimitHit.key, RateLimitHit.count)).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def test_searches_per_user_are_limited(rl_app, rl_client, signed_in):
    rl_app.config["RATELIMIT_SEARCH_PER_USER"] = (3, 60)
    make_user("alice"), make_user("bob")
    signed_in("alice", rl_client)
    assert rl_client.get("/search").status_code == 200  # no words: no search, not counted
    assert [rl_client.get(f"/search?q=word{n}").status_code for n in range(3)] == [200] * 3
    refused = rl_client.get("/search?q=again")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Too many searches" in text(by_id(page(refused), "error"))
    htmx = rl_client.get("/search?q=again", headers=HTMX)
    assert htmx.status_code == 429 and "Too many searches" in text(fragment(htmx, "#error"))
    bob = rl_app.test_client()
    signed_in("bob", bob)
    assert bob.get("/search?q=word").status_code == 200


def test_searches_per_address_are_limited(rl_app, rl_client, signed_in):
    rl_app.config["RATELIMIT_SEARCH_PER_ADDRESS"] = (2, 60)
    make_user("alice"), make_user("bob")
    alice, bob = rl_app.test_client(), rl_app.test_client()  # two users behind one address
    signed_in("alice", alice)
    signed_in("bob", bob)
    assert alice.get("/search?q=one").status_code == 200
    assert bob.get("/search?q=one").status_code == 200
    assert bob.get("/search?q=two").status_code == 429


def test_both_limits_are_counted_in_one_upsert(rl_app, rl_client, signed_in):
    """A search counts its user's and its address's hit in one statement of one write transaction (limits on, the
    default): one statement more than the search itself. Only the hit that opens a key's window purges its
    bucket's finished windows."""
    rl_app.config.update(RATELIMIT_SEARCH_PER_USER=(100, 86400), RATELIMIT_SEARCH_PER_ADDRESS=(100, 86400))
    make_user("alice")
    alice = signed_in("alice", rl_client)
    log = statement_log(db.engine)
    with log.recording():
        assert alice.opens("/search?q=word").status == 200
    assert [w.split("(")[0].strip() for w in log.writes] == ["INSERT INTO rate_limit_hit"] + [
        "DELETE FROM rate_limit_hit WHERE rate_limit_hit.id IN"
    ] * 2
    with log.recording():
        assert alice.opens("/search?q=words").status == 200
    assert len(log.writes) == 1 and log.writes[0].startswith("INSERT INTO rate_limit_hit")
    # the user's row, the upsert, the ranked posts, the people: the query-count pin of a search (3) plus one
    assert log.count == 4, log.queries
    if db.engine.dialect.name == "sqlite":
        assert [s for s in log.statements if s.startswith("BEGIN IMMEDIATE")] == ["BEGIN IMMEDIATE"]
    assert {(bucket, count) for bucket, _, count in _hits()} == {("search-user", 2), ("search-address", 2)}
