"""What a newcomer meets: the landing page at / when signed out, and empty states that offer a next step."""

import pytest

from tests.conftest import HTMX, make_post
from tests.html import actor


def test_signed_out_visitors_land_on_a_page_that_says_what_this_is(client):
    seen = actor(client).opens("/")
    assert seen.status == 200
    assert "Microblog is a small social site" in seen.text("landing")
    assert seen.follows_link("#landing-register").by_id("register-form")
    assert actor(client).opens("/").follows_link("#landing-sign-in").by_id("login-form")
    # The landing page needs no JavaScript and asks for no sign-in first.
    assert "Please sign in" not in seen.text()
    # /index is the timeline's own URL: it still asks for a sign-in.
    response = client.get("/index")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_landing_page_is_not_the_signed_in_home(signed_in, alice):
    as_alice = signed_in("alice")
    seen = as_alice.opens("/")
    assert seen.status == 200 and seen.page().find(id="landing") is None and seen.by_id("post-form")


@pytest.mark.parametrize("request_kind", ["post", "htmx"])
def test_signed_out_writes_and_fragments_still_need_a_sign_in(client, request_kind):
    if request_kind == "post":
        response = client.post("/", data={"post": "hi"})  # raw: signed out, no page offers the post form
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    else:
        response = client.get("/index?page=2", headers=HTMX)
        assert response.status_code == 401 and "/auth/login" in response.headers["HX-Redirect"]


def test_an_empty_home_timeline_leads_to_explore(signed_in, alice):
    as_alice = signed_in("alice")
    home = as_alice.opens("/index")
    assert "Your timeline is empty" in home.text("posts-empty")
    assert home.follows_link("Find people to follow").url == "/explore"


def test_an_empty_explore_leads_to_the_post_form(signed_in, alice):
    as_alice = signed_in("alice")
    explore = as_alice.opens("/explore")
    assert explore.follows_link("Write a post").by_id("post-form")


def test_a_search_without_posts_leads_to_explore(signed_in, alice):
    as_alice = signed_in("alice")
    make_post(alice, "nothing about that")
    results = as_alice.opens("/search?q=zebra")
    assert results.follows_link("Explore all posts").url == "/explore"


def test_no_conversations_leads_to_someone_to_message(signed_in, alice, bob):
    as_alice = signed_in("alice")
    inbox = as_alice.opens("/messages")
    explore = inbox.follows_link("Find someone to message")
    assert explore.url == "/explore"
    make_post(bob, "hi")
    profile = as_alice.opens("/explore").follows_link("bob")
    assert profile.follows_link("Send private message").by_id("message-form")


def test_empty_states_in_spanish(signed_in, alice):
    as_alice = signed_in("alice")
    home = as_alice.speaks("es").opens("/index")
    assert "Tu cronología está vacía" in home.text("posts-empty")
