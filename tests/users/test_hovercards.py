"""Hover cards (SPEC S15): a placeholder beside each post's author link loads /user/<name>/popup once with
htmx on hover or focus; the card shows the user and a follow button that works inside it."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.extensions import db
from microblog.users.relations import followers
from tests.conftest import HTMX, make_post, send
from tests.html import by_id, fragment, page, submit, text


def placeholder(soup, post_id):
    return by_id(soup, f"post-{post_id}").select_one(".user-popup")


def test_each_post_author_link_has_a_card_placeholder(signed_in, bob):
    as_alice = signed_in("alice")
    post = make_post(bob, "hello")
    spot = placeholder(page(as_alice.opens("/explore")), post.id)
    assert spot["hx-get"] == "/user/bob/popup" and spot["hx-target"] == "this" and spot["hx-swap"] == "outerHTML"
    triggers = spot["hx-trigger"]
    assert "mouseenter delay:500ms from:closest .user-popup-anchor" in triggers
    assert "focusin delay:500ms from:closest .user-popup-anchor" in triggers
    assert "[" not in triggers  # no event filters (they need eval)
    link = spot.find_previous_sibling("a")
    assert link["href"] == "/user/bob" and not any(name.startswith("hx-") for name in link.attrs)


def test_the_card_shows_the_user(signed_in, bob):
    as_alice = signed_in("alice")
    bob.about_me = "I <3 trains"
    db.session.commit()
    response = as_alice.opens("/user/bob/popup", **HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    card = fragment(response, ".user-popup-card")
    assert card["aria-label"] == "About bob"
    assert card.find("img")["src"].startswith("/avatar/bob.svg")
    assert "I <3 trains" in text(card) and "Last seen" in text(card)
    assert "0 followers" in text(card)
    assert card.find(id=True) is None  # a card may appear once per post: no ids
    form = card.select_one(".follow-controls form")
    assert form["action"] == form["hx-post"] == "/follow/bob" and form["hx-target"] == "closest .follow-controls"


def test_follow_from_inside_the_card(signed_in, alice, bob):
    as_alice = signed_in("alice")
    card = fragment(as_alice.opens("/user/bob/popup", **HTMX))
    response = submit(as_alice.client, card.select_one(".follow-controls form"), headers=HTMX)
    assert response.status_code == 200
    controls = fragment(response, ".follow-controls")
    assert controls.get("id") is None and "Unfollow" in text(controls) and "1 follower" in text(controls)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(followers)) == 1
    # The button in the answer works again (unfollow), still without ids.
    response = submit(as_alice.client, controls.select_one("form"), headers=HTMX)
    assert fragment(response, ".follow-controls").get("id") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(followers)) == 0


def test_the_profile_keeps_its_own_follow_ids(signed_in, bob):
    as_alice = signed_in("alice")
    response = as_alice.opens("/user/bob").with_htmx().presses("Follow").response
    assert fragment(response, "#follow-controls").select_one("#follow-button")


def test_your_own_card_has_no_button(signed_in, alice):
    as_alice = signed_in("alice")
    card = fragment(as_alice.opens("/user/alice/popup", **HTMX), ".user-popup-card")
    assert card.find("form") is None


def test_without_htmx_the_card_url_is_the_profile(signed_in, bob):
    as_alice = signed_in("alice")
    response = as_alice.opens("/user/bob/popup")
    assert response.status_code == 302 and response.headers["Location"] == "/user/bob"


def test_unknown_or_odd_users_are_404(signed_in):
    as_alice = signed_in("alice")
    for name in ("nobody", "x" * 500, "nul\x00", "%2e%2e", "<script>"):
        assert as_alice.opens(f"/user/{name}/popup", **HTMX).status_code == 404, name


def test_cards_need_a_signed_in_user(client, bob):
    response = client.get("/user/bob/popup", headers=HTMX)
    assert response.status_code == 401 and "HX-Redirect" in response.headers


def test_messages_get_no_card(signed_in, alice, bob):
    as_alice = signed_in("alice")
    send(bob, alice, "hi")
    assert "user-popup" not in as_alice.opens("/messages").get_data(as_text=True)
