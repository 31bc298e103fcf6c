"""Abuse limits on posts (SPEC S22): posts per author, mentions per author and mentioned name; 429 with
Retry-After, as a page and as an htmx fragment, nothing stored past the limit."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.activity.models import Activity
from microblog.extensions import db
from microblog.posts.models import Post
from tests.conftest import make_user
from tests.html import by_id, fragment, page, text


def _count(model, **where) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**where))


def posts_as(signed_in, client, name: str):
    """A function that posts `body` through the home page's form as `name` (with htmx: as htmx sends it)."""
    person = signed_in(name, client)

    def post(body: str, htmx: bool = False):
        home = person.opens("/index")
        return (home.with_htmx() if htmx else home).submits("#post-form", post=body)

    return post


def test_posts_per_author_are_limited(rl_app, rl_client, signed_in):
    rl_app.config["RATELIMIT_POSTS_PER_AUTHOR"] = (3, 60)
    make_user("alice"), make_user("bob")
    post = posts_as(signed_in, rl_client, "alice")
    assert [post(f"post {n}").status_code for n in range(3)] == [303] * 3
    refused = post("one too many")
    assert refused.status_code == 429 and 1 <= int(refused.response.headers["Retry-After"]) <= 60
    assert "posting too fast" in text(by_id(page(refused.response), "error"))
    htmx = post("and with htmx", htmx=True)
    assert htmx.status_code == 429 and "posting too fast" in text(fragment(htmx, "#error"))
    assert _count(Post) == 3
    assert posts_as(signed_in, rl_app.test_client(), "bob")("bob is not limited").status_code == 303


def test_mentions_per_author_and_name_are_limited(rl_app, rl_client, signed_in):
    rl_app.config["RATELIMIT_MENTIONS_PER_AUTHOR_AND_NAME"] = (2, 3600)
    make_user("alice")
    bob, carol = make_user("bob"), make_user("carol")
    post = posts_as(signed_in, rl_client, "alice")
    assert [post(f"@bob look {n}").status_code for n in range(2)] == [303, 303]
    assert post("@BOB once more").status_code == 429  # any case of the name
    assert _count(Activity, user_id=bob.id) == 2
    assert post("@carol hello").status_code == 303  # another name is not affected
    assert _count(Activity, user_id=carol.id) == 1
