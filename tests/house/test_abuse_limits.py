"""Abuse limits (SPEC S22): posts per author, mentions per author and mentioned name, searches per user
and address; 429 with Retry-After, as a page and as an htmx fragment, nothing stored past the limit."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.activity.models import Activity
from microblog.extensions import db
from microblog.posts.models import Post
from tests.conftest import HTMX, make_user
from tests.html import actor, by_id, fragment, page, text


def _count(model, **where) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def posts_as(client, name: str):
    person = actor(client, name)
    person.signs_in()
    return lambda body, **headers: person.opens("/index").submits("#post-form", post=body)


def test_posts_per_author_are_limited(rl_app, rl_client):
    rl_app.config["RATELIMIT_POSTS_PER_AUTHOR"] = (3, 60)
    make_user("alice"), make_user("bob")
    post = posts_as(rl_client, "alice")
    assert [post(f"post {n}").status_code for n in range(3)] == [303] * 3
    refused = post("one too many")
    assert refused.status_code == 429 and 1 <= int(refused.response.headers["Retry-After"]) <= 60
    assert "posting too fast" in text(by_id(page(refused.response), "error"))
    htmx = rl_client.post("/index", data={"post": "and with htmx"}, headers=HTMX)
    assert htmx.status_code == 429 and "posting too fast" in text(fragment(htmx, "#error"))
    assert _count(Post) == 3
    assert posts_as(rl_app.test_client(), "bob")("bob is not limited").status_code == 303


def test_mentions_per_author_and_name_are_limited(rl_app, rl_client):
    rl_app.config["RATELIMIT_MENTIONS_PER_AUTHOR_AND_NAME"] = (2, 3600)
    make_user("alice")
    bob, carol = make_user("bob"), make_user("carol")
    post = posts_as(rl_client, "alice")
    assert [post(f"@bob look {n}").status_code for n in range(2)] == [303, 303]
    assert post("@BOB once more").status_code == 429  # any case of the name
    assert _count(Activity, user_id=bob.id) == 2
    assert post("@carol hello").status_code == 303  # another name is not affected
    assert _count(Activity, user_id=carol.id) == 1


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
