"""One post: its page (linked from its time), editing it in its first 15 minutes, deleting it after a
confirmation. Raw posts appear only for what no page offers: another user's post, a late edit, junk ids."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g

from microblog.activity.models import Activity
from microblog.database import utcnow
from microblog.extensions import db
from microblog.posts.models import Post
from microblog.search import engine
from microblog.unread.counts import total_activity
from microblog.unread.loader import load_user_with_counts
from tests.auth.test_accounts import count
from tests.conftest import HTMX, make_post, make_user
from tests.html import actor, text
from tests.translation.test_translation import SPANISH, translator  # noqa: F401 - the fake translator fixture


def test_every_post_links_its_time_to_its_page(signed_in, alice, bob):
    as_alice = signed_in("alice")
    post = make_post(bob, "Bob's thoughts")
    home = as_alice.opens("/explore")
    link = home.by_id(f"post-link-{post.id}")
    assert link["href"] == f"/post/{post.id}" and link.find("time")["datetime"]
    seen = home.follows_link(f"#post-link-{post.id}")
    assert seen.status == 200
    article = seen.page().find(id=f"post-{post.id}")
    assert "Bob's thoughts" in text(article)
    # The author's hover card loads from beside the name, as in every list.
    assert article.select_one(".user-popup")["hx-get"] == "/user/bob/popup"
    # Not the author: neither Edit nor Delete.
    assert article.find(id=f"edit-post-{post.id}") is None and article.find(id=f"delete-post-{post.id}") is None


def test_the_post_page_as_a_fragment_for_htmx(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "mine")
    response = as_alice.opens(f"/post/{post.id}", **HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "mine" in text(as_alice.opens(f"/post/{post.id}", **HTMX).fragment(f"#post-{post.id}"))


@pytest.mark.parametrize("junk", ["0", "-1", "x", "1e3", "99999999999999999999", "１", "%00", "12345"])
def test_no_such_post_is_404(signed_in, alice, junk):
    as_alice = signed_in("alice")
    make_post(alice, "there is one")
    for suffix in ("", "/edit", "/delete"):
        assert as_alice.opens(f"/post/{junk}{suffix}").status_code == 404, (junk, suffix)
    for suffix in ("/edit", "/delete"):
        assert as_alice.client.post(f"/post/{junk}{suffix}").status_code == 404, (
            junk,
            suffix,
        )  # raw: junk ids no page offers


def test_the_post_page_needs_a_signed_in_user(client, alice):
    post = make_post(alice, "hello")
    response = client.get(f"/post/{post.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_author_edits_within_15_minutes(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "Helo wrld")
    seen = as_alice.opens(f"/post/{post.id}").follows_link(f"#edit-post-{post.id}")
    assert seen.by_id("post-edit-form").find("textarea").get_text().strip() == "Helo wrld"
    answer = seen.submits("#post-edit-form", post="Hello world")
    assert answer.status == 303 and answer.location == f"/post/{post.id}"
    shown = answer.follows_redirect()
    article = shown.by_id(f"post-{post.id}")
    assert "Hello world" in text(article) and article.select_one(".post-edited")
    assert "Your post has been updated." in shown.text("flashes")
    db.session.expire_all()
    stored = db.session.get(Post, post.id)
    assert stored.body == "Hello world" and stored.edited_at is not None


def test_an_edit_updates_the_search_index(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "zebras everywhere")
    assert engine.post_ids(["zebras"], 10, 0) == [post.id]
    as_alice.opens(f"/post/{post.id}/edit").submits("#post-edit-form", post="giraffes everywhere")
    assert engine.post_ids(["zebras"], 10, 0) == []
    assert engine.post_ids(["giraffes"], 10, 0) == [post.id]
    results = as_alice.opens("/search?q=giraffes")
    assert results.by_id(f"post-{post.id}")


def test_an_edit_with_htmx_goes_to_the_post_page_or_shows_errors_in_place(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "first")
    form = as_alice.opens(f"/post/{post.id}/edit").with_htmx()
    bad = form.submits("#post-edit-form", post="   ")
    assert bad.status == 422 and bad.fragment("#post-edit-form").find(id="post-error")
    good = form.submits("#post-edit-form", post="second")
    assert good.status == 204 and good.headers["HX-Redirect"] == f"/post/{post.id}"
    assert db.session.get(Post, post.id).body == "second"


def test_an_edit_that_mentions_someone_new_notifies_them_once(signed_in, alice, bob):
    as_alice = signed_in("alice")
    post = make_post(alice, "hello")
    edit = as_alice.opens(f"/post/{post.id}/edit")
    edit.submits("#post-edit-form", post="hello @bob")
    as_alice.opens(f"/post/{post.id}/edit").submits("#post-edit-form", post="hello again @bob")
    assert total_activity(bob.id) == 1


def test_no_edit_after_15_minutes(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "old news")
    post.timestamp = utcnow() - timedelta(minutes=15, seconds=1)
    db.session.commit()
    page = as_alice.opens(f"/post/{post.id}")
    assert page.page().find(id=f"edit-post-{post.id}") is None
    assert page.by_id(f"delete-post-{post.id}")  # deleting stays possible
    assert as_alice.opens(f"/post/{post.id}/edit").status_code == 403
    assert (
        as_alice.client.post(f"/post/{post.id}/edit", data={"post": "too late"}).status_code == 403
    )  # raw: the edit form is gone after 15 minutes
    assert db.session.get(Post, post.id).body == "old news"


def test_others_cannot_edit_or_delete(client, signed_in, alice, bob):
    post = make_post(alice, "alice's")
    signed_in("bob", client)
    assert client.get(f"/post/{post.id}/edit").status_code == 403
    assert (
        client.post(f"/post/{post.id}/edit", data={"post": "bob was here"}).status_code == 403
    )  # raw: another's post offers bob no edit form
    assert client.get(f"/post/{post.id}/delete").status_code == 403
    assert (
        client.post(f"/post/{post.id}/delete", data={"confirmed": "yes"}).status_code == 403
    )  # raw: another's post offers bob no delete form
    assert (
        client.post(f"/post/{post.id}/delete", headers=HTMX).status_code == 403
    )  # raw: another's post offers bob no delete form
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "alice's"


def test_delete_without_javascript_asks_first(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "regrettable")
    home = as_alice.opens("/index")
    form = home.by_id(f"delete-post-{post.id}")
    assert form["hx-confirm"] and form["method"] == "post"
    asked = home.submits(f"#delete-post-{post.id}")
    assert asked.status == 303 and asked.location == f"/post/{post.id}/delete"
    assert count(Post) == 1  # nothing deleted before the confirmation
    confirm = asked.follows_redirect()
    assert confirm.status == 200 and "Delete this post?" in confirm.text()
    done = confirm.submits("#delete-post-confirm")
    assert done.status == 303 and done.location == "/index"
    assert count(Post) == 0
    assert "Your post has been deleted." in done.follows_redirect().text("flashes")
    assert as_alice.opens(confirm.url.removesuffix("/delete")).status_code == 404


def test_delete_with_htmx_swaps_the_post_away(signed_in, alice):
    as_alice = signed_in("alice")
    post_id = make_post(alice, "gone soon").id
    answer = as_alice.opens("/index").with_htmx().submits(f"#delete-post-{post_id}")
    assert answer.status == 200
    assert answer.fragment().find(id=f"post-{post_id}") is None
    assert "Your post has been deleted." in text(answer.fragment("#flashes"))
    assert count(Post) == 0
    assert engine.post_ids(["gone"], 10, 0) == []


def test_delete_from_its_own_page_with_htmx_goes_home(signed_in, alice):
    as_alice = signed_in("alice")
    post_id = make_post(alice, "gone soon").id
    answer = as_alice.opens(f"/post/{post_id}").with_htmx().submits(f"#delete-post-{post_id}")
    assert answer.status == 204 and answer.headers["HX-Redirect"] == "/index"
    assert count(Post) == 0


def test_deleting_a_post_takes_back_its_mentions(signed_in, alice, bob):
    as_alice = signed_in("alice")
    carol = make_user("carol")
    keep = as_alice.opens("/index").submits("#post-form", post="hi @carol")
    assert keep.status == 303
    as_alice.opens("/index").submits("#post-form", post="hi @bob and @carol")
    post = db.session.scalars(sa.select(Post).order_by(Post.id.desc())).first()
    assert (total_activity(bob.id), total_activity(carol.id)) == (1, 2)
    as_alice.opens(f"/post/{post.id}/delete").submits("#delete-post-confirm")
    assert (total_activity(bob.id), total_activity(carol.id)) == (0, 1)
    assert count(Activity) == 1
    # The stored count the badge reads follows too.
    assert load_user_with_counts(bob.id, bob.session_token) is not None and g.counts.activity == 0


def test_delete_needs_the_csrf_token(csrf_app, alice):
    client = csrf_app.test_client()
    post = make_post(alice, "keep me")
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    assert client.post(f"/post/{post.id}/delete", data={"confirmed": "yes"}).status_code == 400  # raw: no CSRF token
    assert count(Post) == 1
    confirm = alice_at.opens(f"/post/{post.id}/delete")
    assert confirm.submits("#delete-post-confirm").status == 303
    assert count(Post) == 0


def test_the_post_page_has_the_translate_control(signed_in, bob, translator):
    as_alice = signed_in("alice")
    post = make_post(bob, SPANISH)
    seen = as_alice.opens(f"/post/{post.id}")
    assert seen.by_id(f"translate-{post.id}")
    answer = seen.with_htmx().submits(f"#translate-{post.id}")
    assert answer.status == 200 and "[en] Hola" in text(answer.fragment(f"#translation-{post.id}"))
