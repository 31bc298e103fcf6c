"""Abuse limits on search (SPEC S22): searches per user and per address; 429 with Retry-After, as a page and
as an htmx fragment."""

from __future__ import annotations

from tests.conftest import HTMX, make_user
from tests.html import by_id, fragment, page, text


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
