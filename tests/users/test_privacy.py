"""Who may message you and blocks (SPEC S14): told before typing, 403 on a direct POST, nothing stored.

Users act through the pages' own forms (tests/html.py's actor); the raw POSTs left are what no form on the
page offers (a refused recipient's URL, a block of yourself or of nobody): what a non-browser would send."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.activity.models import Activity
from microblog.extensions import db
from microblog.messages.models import Message
from microblog.users.models import User
from microblog.users.relations import FOLLOW, Block, is_following
from tests.conftest import make_post, make_user
from tests.html import actor, by_id, fragment, page, text


def set_policy(client, signed_in, name, policy):
    signed_in(name, client)
    soup = page(client.get("/settings/privacy"))
    form = by_id(soup, "privacy-form")
    assert {i["value"] for i in form.find_all("input", attrs={"name": "message_policy"})} == {
        "everyone",
        "following",
        "nobody",
    }
    checked = form.find("input", attrs={"name": "message_policy", "checked": True})
    assert (
        checked["value"]
        == db.session.get(User, db.session.scalar(sa.select(User.id).where(User.username == name))).message_policy
    )
    settings = actor(client).opens("/settings/privacy")
    assert settings.submits("#privacy-form", message_policy=policy).status == 303
    actor(client).signs_out()


def messages_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def test_default_is_everyone(app, alice):
    assert alice.message_policy == "everyone"


def test_nobody_refuses_before_typing_and_on_a_direct_post(app, client, signed_in, alice, bob):
    set_policy(client, signed_in, "bob", "nobody")
    signed_in("alice", client)
    profile = page(client.get("/user/bob"))
    assert profile.find(id="send-message-link") is None
    assert text(by_id(profile, "message-refused")) == "bob does not accept messages."
    thread = page(client.get("/messages/bob"))
    assert text(by_id(thread, "message-refused")) == "bob does not accept messages."
    assert thread.find("textarea") is None
    response = client.post(
        "/messages/bob", data={"message": "hi"}
    )  # raw: the page offers no form now (checked above): a stale tab's POST
    assert response.status_code == 403 and "bob does not accept messages." in response.get_data(as_text=True)
    assert (
        client.post("/send_message/bob", data={"message": "hi"}).status_code == 403
    )  # raw: the old URL, no page offers it
    assert messages_count() == 0


def test_people_i_follow_and_existing_conversations_follow_the_current_setting(app, client, signed_in, alice, bob):
    alice_, bob_ = actor(client, "alice"), actor(client, "bob")
    alice_.signs_in()
    thread = alice_.opens("/user/bob").follows_link("#send-message-link")
    assert thread.submits("#message-form", message="before").status == 303
    alice_.signs_out()
    set_policy(client, signed_in, "bob", "following")
    alice_.signs_in()
    assert thread.submits("#message-form", message="after").status == 403  # the form of a page opened before
    assert messages_count() == 1
    alice_.signs_out()
    bob_.signs_in()
    assert bob_.opens("/user/alice").presses("Follow").status == 303
    bob_.signs_out()
    alice_.signs_in()
    thread = alice_.opens("/user/bob").follows_link("#send-message-link")
    assert thread.submits("#message-form", message="now").status == 303
    assert messages_count() == 2


def test_bad_policy_is_a_422(app, client, signed_in, alice):
    signed_in("alice", client)
    response = actor(client).opens("/settings/privacy").submits("#privacy-form", message_policy="admins")
    assert response.status == 422
    assert db.session.get(User, alice.id).message_policy == "everyone"


def test_block_from_the_profile_without_and_with_htmx(app, client, signed_in, alice, bob):
    alice_, bob_ = actor(client, "alice"), actor(client, "bob")
    bob_.signs_in()
    assert bob_.opens("/user/alice").presses("Follow").status == 303
    make_post(bob, "bob's post")
    bob_.signs_out()
    alice_.signs_in()
    assert alice_.opens("/user/bob").presses("Follow").status == 303
    profile = alice_.opens("/user/bob")
    form = profile.by_id("block-controls").find("form")
    assert form["action"] == form["hx-post"] == "/block/bob" and form["method"] == "post"
    assert "bob's post" in text(by_id(page(client.get("/index")), "post-list"))
    response = profile.with_htmx().presses("Block")
    assert response.status == 200
    controls = response.fragment("#block-controls")
    assert controls.find("form")["action"] == "/unblock/bob"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 1
    assert not is_following(bob.id, alice.id)  # their follow ended
    assert "bob's post" not in text(by_id(page(client.get("/index")), "post-list"))  # left my timeline
    settings = page(client.get("/settings/blocked"))
    assert [text(a) for a in by_id(settings, "blocked-users").find_all("a")] == ["bob"]
    actor(client).signs_out()
    signed_in("bob", client)
    assert (
        client.post("/follow/alice").status_code == 403
    )  # raw: blocked: the profile offers no Follow, a stale tab's POST
    profile = page(client.get("/user/alice"))
    assert text(by_id(profile, "message-refused")) == "You can't message this user."
    assert (
        client.post("/messages/alice", data={"message": "hi"}).status_code == 403
    )  # raw: blocked: no form, a stale tab's POST
    assert actor(client).opens("/index").submits("#post-form", post="hey @alice").status == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.kind != FOLLOW)) == 0
    assert messages_count() == 0
    actor(client).signs_out()
    signed_in("alice", client)
    assert alice_.opens("/user/bob").presses("Unblock").status == 303  # no JS: back to the profile
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0


def test_block_yourself_and_unknown_names(app, client, signed_in, alice):
    signed_in("alice", client)
    assert client.post("/block/alice").status_code == 400  # raw: no page offers blocking yourself
    assert client.post("/block/nobody").status_code == 404  # raw: a name nobody has
    assert client.post("/unblock/nobody").status_code == 404  # raw: a name nobody has
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0


def test_block_needs_the_csrf_token(csrf_app):
    from tests.auth.test_security import _csrf_login

    make_user("alice")
    make_user("bob")
    client = csrf_app.test_client()
    token = _csrf_login(client)
    assert client.post("/block/bob").status_code == 400  # no token: refused, nothing stored
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0
    assert actor(client).opens("/user/bob").submits("#block-controls form").status == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 1
    assert token


def test_a_bad_policy_is_shown_on_the_form(app, client, signed_in, alice):
    signed_in("alice", client)
    soup = actor(client).opens("/settings/privacy").submits("#privacy-form", message_policy="admins").page()
    radios = by_id(soup, "privacy-form").find_all("input", attrs={"name": "message_policy"})
    assert all(r["aria-invalid"] == "true" for r in radios)
    assert text(by_id(soup, "message_policy-error"))


def test_what_each_side_of_a_block_still_sees(app, alice, bob, signed_in):
    """SPEC S22, as on Bluesky and Mastodon: a block hides both ways. Neither sees the other's posts (explore,
    search, profile), nor their about-me or follow button (profile, hover card): each sees a notice instead.
    Names stay visible (links, people search). A bystander sees both; unblocking brings everything back."""
    make_user("carol")
    make_post(alice, "alice writes about gardens")
    make_post(bob, "bob writes about gardens")
    for user, about in ((alice, "alice about"), (bob, "bob about")):
        user.about_me = about
    db.session.commit()
    clients = {name: app.test_client() for name in ("alice", "bob", "carol")}
    for name, client in clients.items():
        signed_in(name, client)
    assert actor(clients["alice"], "alice").opens("/user/bob").presses("Block").status == 303

    def sees(name: str) -> dict[str, str]:
        client = clients[name]
        other = "bob" if name == "alice" else "alice"
        card = fragment(client.get(f"/user/{other}/popup", headers={"HX-Request": "true"}), ".user-popup-card")
        profile = page(client.get(f"/user/{other}"))
        return {
            "explore": text(by_id(page(client.get("/explore")), "post-list")),
            "search": text(page(client.get("/search?q=gardens")).find("main")),
            "profile": text(profile.find("main")),
            "card": text(card),
            "follow buttons": len(profile.select(".follow-controls") + card.select(".follow-controls")),
        }

    alice_sees, bob_sees = sees("alice"), sees("bob")
    assert "bob writes" not in alice_sees["explore"] + alice_sees["search"] + alice_sees["profile"]
    assert "alice writes" not in bob_sees["explore"] + bob_sees["search"] + bob_sees["profile"]
    assert "You blocked this user" in alice_sees["profile"] and "You blocked this user" in alice_sees["card"]
    assert "This user has blocked you" in bob_sees["profile"] and "This user has blocked you" in bob_sees["card"]
    assert "bob about" not in alice_sees["profile"] + alice_sees["card"]
    assert "alice about" not in bob_sees["profile"] + bob_sees["card"]
    assert bob_sees["follow buttons"] == 0  # the blocked side cannot follow (a POST would be 403)
    assert alice_sees["follow buttons"] == 1  # the profile's: following a blocked user is the blocker's call
    assert "alice writes" in alice_sees["explore"] and "bob writes" in bob_sees["explore"]  # their own posts
    # A bystander sees both; the people search still finds both names.
    carol_explore = text(by_id(page(clients["carol"].get("/explore")), "post-list"))
    assert "alice writes" in carol_explore and "bob writes" in carol_explore
    assert "bob" in text(page(clients["alice"].get("/search?q=bob")).find("main"))
    # Unblocking brings it all back.
    assert actor(clients["alice"], "alice").opens("/user/bob").presses("Unblock").status == 303
    assert "bob writes" in text(by_id(page(clients["alice"].get("/explore")), "post-list"))
    assert "alice writes" in text(page(clients["bob"].get("/search?q=gardens")).find("main"))
    assert "alice about" in text(page(clients["bob"].get("/user/alice")).find("main"))
