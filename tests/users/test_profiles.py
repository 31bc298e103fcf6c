"""Profiles: the profile page, follow and unfollow, editing a profile, avatars, last seen."""

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.users.models import User
from microblog.users.relations import follow
from microblog.users.relations import followers
from tests.conftest import make_post, make_user
from tests.html import actor, by_id, fragment, page, submit, text
from tests.auth.test_accounts import count


def test_profile_page(signed_in, alice, bob):
    as_alice = signed_in("alice")
    make_post(bob, "hello from bob")
    soup = page(as_alice.opens("/user/bob"))
    assert soup.find("h1").get_text() == "bob"
    assert "hello from bob" in text(by_id(soup, "post-list"))
    assert soup.find("time")["datetime"].endswith("+00:00")
    assert "0 followers" in text(by_id(soup, "follow-controls"))
    assert text(by_id(soup, "follow-button")) == "Follow"


def test_own_profile_in_any_case_shows_counts_and_edit_links_not_a_follow_button(signed_in, alice, bob):
    as_alice = signed_in("alice")
    follow(bob, alice)
    db.session.commit()
    make_post(alice, "my own post")
    for url in ("/user/alice", "/user/ALICE"):
        soup = page(as_alice.opens(url))
        assert soup.find("h1").get_text() == "alice"
        assert "1 follower" in text(by_id(soup, "follow-controls"))
        assert soup.find(id="follow-button") is None
        assert "my own post" in text(by_id(soup, "post-list"))
        assert "Edit your profile" in text(soup.find("main"))
    # Another profile shows the button with the viewer's state.
    follow(alice, bob)
    db.session.commit()
    assert text(by_id(page(as_alice.opens("/user/bob")), "follow-button")) == "Unfollow"


def test_follow_and_unfollow_with_htmx_swap_controls(signed_in, alice, bob):
    as_alice = signed_in("alice")
    profile = as_alice.opens("/user/bob").with_htmx()
    response = profile.presses("Follow").response
    assert response.status_code == 200
    controls = fragment(response, "#follow-controls")
    assert "1 follower" in text(controls)
    assert text(controls.find(id="follow-button")) == "Unfollow"
    assert controls.find("form")["action"] == "/unfollow/bob"
    assert count(followers) == 1
    again = profile.presses("Follow").response  # a double click: the same button again
    assert again.status_code == 200 and count(followers) == 1
    response = as_alice.opens("/user/bob").with_htmx().presses("Unfollow").response
    assert text(fragment(response, "#follow-button")) == "Follow"
    assert count(followers) == 0


def test_follow_plain_redirects_to_profile(signed_in, alice, bob):
    as_alice = signed_in("alice")
    response = as_alice.opens("/user/bob").presses("Follow")
    assert response.status_code == 303 and response.headers["Location"] == "/user/bob"
    assert "You are following bob." in text(by_id(page(as_alice.opens("/user/bob")), "flashes"))


def test_follow_yourself_or_nobody(signed_in):
    # No page offers these buttons: what a non-browser would send.
    as_alice = signed_in("alice")
    assert as_alice.client.post("/follow/alice").status_code == 400
    assert as_alice.client.post("/follow/nobody").status_code == 404
    assert as_alice.client.post("/unfollow/" + "x" * 300).status_code == 404
    assert count(followers) == 0


def test_edit_profile(signed_in, alice):
    as_alice = signed_in("alice")
    form = by_id(page(as_alice.opens("/settings/profile")), "profile-form")
    response = submit(as_alice.client, form, username="alicia", about_me="  I like <b>tags</b>  ")
    assert response.status_code == 303 and response.headers["Location"] == "/user/alicia"
    soup = page(as_alice.opens("/user/alicia"))
    assert "I like <b>tags</b>" in text(soup.find(class_="body-text"))
    assert soup.find("b") is None


@pytest.mark.parametrize(
    "fields, field_id",
    [
        ({"username": ""}, "username-error"),
        ({"username": "bob"}, "username-error"),
        ({"username": "ｂｏｂ"}, "username-error"),
        ({"username": "b\u043eb"}, "username-error"),
        ({"username": "İ" * 40}, "username-error"),
        ({"username": "bob\u202e"}, "username-error"),
        ({"about_me": "x" * 141}, "about_me-error"),
        ({"about_me": "a\x00"}, "about_me-error"),
        ({"about_me": "my cv \u202egnp.exe"}, "about_me-error"),
        ({"about_me": "zero\u200bwidth"}, "about_me-error"),
    ],
)
def test_edit_profile_errors(signed_in, alice, bob, fields, field_id):
    as_alice = signed_in("alice")
    data = {"username": "alice", "about_me": ""}
    data.update(fields)
    response = as_alice.opens("/settings/profile").submits("#profile-form", **data)
    assert response.status_code == 422
    assert by_id(page(response), field_id)
    assert db.session.get(User, alice.id).username == "alice"


def test_a_name_from_before_the_ascii_rule_is_kept_but_not_chosen_anew(client, signed_in):
    make_user("José")
    signed_in("josé", client)
    response = (
        actor(client).opens("/settings/profile").submits("#profile-form", **{"username": "José", "about_me": "hola"})
    )
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User))
    assert (user.username, user.about_me) == ("José", "hola")
    response = (
        actor(client).opens("/settings/profile").submits("#profile-form", **{"username": "Jösé", "about_me": "hola"})
    )
    assert response.status_code == 422 and by_id(page(response), "username-error")


def test_avatar_is_served_by_the_app(client, alice):
    response = client.get("/avatar/alice.svg?s=64")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data() == client.get("/avatar/ALICE.svg?s=64").get_data()
    assert client.get("/avatar/alice.svg?s=0").status_code == 400
    assert client.get("/avatar/alice.svg?s=abc").status_code == 400
    assert client.get("/avatar/bad%00name.svg").status_code == 404


def test_avatars_do_not_tell_who_has_an_account(client, alice):
    """An avatar for a name nobody has looks like one for a real account: same status, same headers."""
    real, unknown = client.get("/avatar/alice.svg?s=48"), client.get("/avatar/nobody.svg?s=48")
    assert (real.status_code, unknown.status_code) == (200, 200)
    assert real.mimetype == unknown.mimetype == "image/svg+xml"
    assert set(real.headers.keys()) == set(unknown.headers.keys())


def test_last_seen_updated_by_a_page_view(app, signed_in, alice):
    as_alice = signed_in("alice")
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 0
    before = db.session.get(User, alice.id).last_seen
    as_alice.opens("/explore")
    after = db.session.get(User, alice.id).last_seen
    assert after > before and after.tzinfo is not None


def test_avatar_size_with_unicode_digits_is_400(app, client):
    make_user("alice")
    response = client.get("/avatar/alice.svg?s=%C2%B2")
    assert response.status_code == 400
