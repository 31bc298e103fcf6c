"""Writing posts and reading timelines: the post form with and without htmx, pagination, bad input."""

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.posts.models import Post
from microblog.users.relations import follow
from tests.conftest import HTMX, make_post, make_user
from tests.html import by_id, fragment, page, submit, text
from tests.auth.test_accounts import count


def test_post_plain_form(signed_in, alice):
    as_alice = signed_in("alice")
    form = by_id(page(as_alice.opens("/index")), "post-form")
    response = submit(as_alice.client, form, post="My first post")
    assert response.status_code == 303
    assert [p.body for p in db.session.scalars(sa.select(Post))] == ["My first post"]
    soup = page(as_alice.opens("/index"))
    assert "Your post is now live!" in text(by_id(soup, "flashes"))
    assert "My first post" in text(by_id(soup, "post-list"))


def test_post_htmx_returns_fresh_form_new_post_and_flash(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/index").with_htmx().submits("#post-form", post="via htmx")
    assert response.status_code == 200
    soup = fragment(response)
    assert by_id(soup, "post-form").find("textarea").get_text().strip() == ""
    inserted = soup.find(attrs={"hx-swap-oob": "afterbegin:#posts"})
    assert "via htmx" in text(inserted.find("article"))
    assert "Your post is now live!" in text(by_id(soup, "flashes"))


@pytest.mark.parametrize("body", ["", "  ", "x" * 141, "a\x00b", "\x1f"])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_posts_are_refused(signed_in, body, htmx):
    as_alice = signed_in("alice")
    home = as_alice.opens("/index")
    response = (home.with_htmx() if htmx else home).submits("#post-form", post=body)
    assert response.status_code == 422
    soup = fragment(response) if htmx else page(response)
    assert by_id(soup, "post-error")
    assert count(Post) == 0


def test_timeline_shows_followed_and_own_posts_only(signed_in, alice, bob):
    as_alice = signed_in("alice")
    carol = make_user("carol")
    make_post(alice, "mine")
    make_post(bob, "bobs")
    make_post(carol, "carols")
    follow(alice, bob)
    db.session.commit()
    bodies = text(by_id(page(as_alice.opens("/index")), "post-list"))
    assert "mine" in bodies and "bobs" in bodies and "carols" not in bodies
    assert "carols" in text(by_id(page(as_alice.opens("/explore")), "post-list"))


@pytest.mark.parametrize("url", ["/index", "/explore", "/user/alice"])
def test_post_lists_paginate_in_place(app, signed_in, alice, url):
    as_alice = signed_in("alice")
    app.config["POSTS_PER_PAGE"] = 2
    for i in range(5):
        make_post(alice, f"p{i}")
    full = page(as_alice.opens(url + "?page=2"))
    older = full.find("a", rel="next")
    assert older["hx-get"] == older["href"] and older["hx-target"] == "#post-list" and older["hx-push-url"] == "true"
    response = as_alice.opens(older["href"], **HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    items = fragment(response, "#post-list").find_all("article")
    assert [text(a.find("p", class_="body-text")) for a in items] == ["p0"]
    restored = as_alice.opens(older["href"], **{**HTMX, "HX-History-Restore-Request": "true"})
    page(restored)
    boosted = as_alice.opens(older["href"], **{**HTMX, "HX-Boosted": "true"})
    page(boosted)


@pytest.mark.parametrize("value", ["0", "-3", "x", "1e3", "100001", "9" * 30])
def test_bad_page_values_on_post_lists(signed_in, value):
    as_alice = signed_in("alice")
    for url in ("/index", "/explore", "/user/alice"):
        response = as_alice.opens(url, query_string={"page": value})
        assert response.status_code == 400, url


def test_home_page_for_signed_in_user(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/index")
    assert response.status_code == 200
    soup = page(response)
    assert by_id(soup, "post-form")["action"] == "/index"


def test_timeline_pages_hold_each_shown_post_once_newest_first(app, signed_in, alice, bob):
    """Every page of the timeline, followed from the "Older" links, against plain SQL: the followed authors'
    and alice's posts, newest first, none twice or missing, without a followed author alice blocks. The
    timeline reads each author's newest posts on their index from a bound per author (posts/models.py):
    authors with more posts than a page, with fewer, and pages deeper than a page's worth of one author."""
    app.config["POSTS_PER_PAGE"] = 3
    carol, dave, erin = make_user("carol"), make_user("dave"), make_user("erin")
    for author in (bob, carol, dave):
        follow(alice, author)
    block = db.metadata.tables["block"]
    db.session.execute(block.insert().values(blocker_id=alice.id, blocked_id=dave.id))
    db.session.commit()
    pattern = [bob] * 5 + [carol, dave, alice, erin] + [bob, dave] * 3 + [carol] + [bob] * 4 + [alice]
    for i, author in enumerate(pattern):
        make_post(author, f"p{i}")
    shown = {bob.id, carol.id, alice.id}
    newest_first = sa.select(Post.id).where(Post.user_id.in_(shown)).order_by(Post.id.desc())
    expected = [f"post-{post_id}" for post_id in db.session.scalars(newest_first)]
    seen, step = [], signed_in("alice").opens("/index")
    while True:
        assert step.status == 200
        ids = [a["id"] for a in step.by_id("post-list").find_all("article")]
        assert len(ids) == 3 or not step.by_id("post-list").find("a", rel="next"), ids
        seen += ids
        if not step.by_id("post-list").find("a", rel="next"):
            break
        step = step.follows_link("[rel=next]")
    assert seen == expected
