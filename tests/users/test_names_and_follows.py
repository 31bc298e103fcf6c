"""users/ owns usernames and follows: one username rule at every entry point, and one answer shape for
follow, unfollow, block and unblock (with CSRF protection on, as in production)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from microblog.activity.models import Activity
from microblog.posts.changes import create_post
from microblog.posts.mentions import mentioned_names
from microblog.extensions import db
from microblog.users import names
from microblog.users.models import User
from microblog.users.relations import Block, followers
from tests.conftest import HTMX, PASSWORD, make_user
from tests.html import actor, by_id, fragment, page, submit, text

EMPTY = "This field cannot be empty."
TOO_LONG = "Please use at most 64 characters (you used 65)."
CONTROL = "Please remove control characters from this text."
LATIN = "Use Latin letters (a-z), digits, dots, dashes and underscores, starting with a letter or digit."
TAKEN = "This username is taken. Please choose another one."

# (name as typed, the refusal, or None when the name may be chosen). "bob" is already registered.
NAMES = [
    ("zoe", None),
    ("Zoe_2", None),
    ("a.b-c_d", None),
    ("_under", None),
    ("9lives", None),
    ("trailing.", None),
    ("z" * 64, None),
    ("  spaced  ", None),  # stored without the spaces
    ("", EMPTY),
    ("   ", EMPTY),
    ("z" * 65, TOO_LONG),
    ("bad\x00name", CONTROL),
    ("zoe\u200b", CONTROL),  # zero-width space
    ("\u202eeoz", CONTROL),  # right-to-left override
    ("two words", LATIN),
    (".dot", LATIN),
    ("-dash", LATIN),
    ("ｚｏｅ", LATIN),  # full-width
    ("\u0430nna", LATIN),  # Cyrillic а
    ("José", LATIN),
    ("ß" * 64, LATIN),  # grows when case-folded
    ("İ" * 40, LATIN),
    ("BOB", TAKEN),
]
TYPED_REFUSALS = {EMPTY, TOO_LONG, CONTROL}  # names nobody can have: never looked up, never stored


def register(client, name: str, headers: dict | None = None):
    form = by_id(page(client.get("/auth/register", headers=headers or {})), "register-form")
    return submit(
        client, form, headers=headers, username=name, email="zoe@example.com", password=PASSWORD, password2=PASSWORD
    )


@pytest.mark.parametrize("name, refusal", NAMES)
def test_one_username_rule_on_the_registration_form_and_in_names(client, bob, name, refusal):
    with client.application.test_request_context():
        rule_says = names.username_error(names.normalise(name))
        rule_says = None if rule_says is None else str(rule_says)
    response = register(client, name)
    if refusal is None:
        assert rule_says is None
        assert response.status_code == 303 and response.headers["Location"] == "/index"
        user = db.session.scalar(sa.select(User).where(User.id != bob.id))
        assert user.username == name.strip() and user.username_key == names.username_key(name.strip())
        assert User.by_username(name.strip().upper()).id == user.id  # found in any case
        return
    assert response.status_code == 422
    assert text(by_id(page(response), "username-error")) == refusal
    if refusal != TAKEN:  # the form's message is the rule's message (taken is the form's own query)
        assert rule_says == refusal
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize("name, refusal", NAMES)
def test_the_same_rule_on_the_profile_form(client, signed_in, alice, bob, name, refusal):
    signed_in("alice", client)
    form = by_id(page(client.get("/settings/profile")), "profile-form")
    response = submit(client, form, username=name)
    if refusal is None:
        assert response.status_code == 303 and response.headers["Location"] == f"/user/{quote(name.strip())}"
        assert db.session.get(User, alice.id).username == name.strip()
    else:
        assert response.status_code == 422
        assert text(by_id(page(response), "username-error")) == refusal
        assert db.session.get(User, alice.id).username == "alice"


@pytest.mark.parametrize("name, refusal", [(n, r) for n, r in NAMES if r in TYPED_REFUSALS])
def test_names_nobody_can_have_are_refused_by_the_model_and_match_nobody(app, alice, statements, name, refusal):
    name = names.normalise(name)  # as the forms pass it on
    assert names.lookup_key(name) is None
    with statements.recording():
        assert User.by_username(name) is None
    assert statements.count == 0  # no query for a name nobody can have
    with pytest.raises(ValueError):
        User(email="x@example.com").set_username(name)


@pytest.mark.parametrize("url", ["/user/{}", "/avatar/{}.svg", "/messages/{}"])
@pytest.mark.parametrize("name", ["z" * 65, "bad\x00name", "zoe\u200b", "\u202eeoz"])
def test_routes_with_a_name_nobody_can_have_answer_404(client, signed_in, alice, url, name):
    signed_in("alice", client)
    assert client.get(url.format(quote(name))).status_code == 404


def test_a_name_that_grows_when_case_folded_matches_nobody_but_still_gets_an_avatar(client, signed_in, alice):
    signed_in("alice", client)
    name = "ß" * 64
    assert names.lookup_key(name) is None and User.by_username(name) is None
    assert client.get(f"/user/{quote(name)}").status_code == 404
    assert client.get(f"/avatar/{quote(name)}.svg").status_code == 200  # avatars do not tell who exists


def test_the_profile_form_keeps_a_name_from_before_the_ascii_rule_only_as_it_is(client, signed_in):
    make_user("José")
    me = signed_in("josé", client)
    assert me.opens("/settings/profile").submits("#profile-form", username="José", about_me="").status == 303
    response = me.opens("/settings/profile").submits("#profile-form", username="Josée", about_me="")
    assert response.status == 422
    assert text(by_id(response.page(), "username-error")) == LATIN
    assert me.opens("/settings/profile").submits("#profile-form", username="JOSÉ", about_me="").status == 422


def test_sign_in_takes_any_typed_name_and_refuses_only_what_nobody_can_have(client, alice):
    shouting = actor(client, "ALICE")
    assert shouting.signs_in().status == 303
    shouting.signs_out()
    # raw: a NUL that no keyboard types into the sign-in form
    response = client.post("/auth/login", data={"username": "bad\x00name", "password": PASSWORD})
    assert response.status_code == 422
    assert text(by_id(page(response), "username-error")) == CONTROL


def test_mentions_use_the_same_alphabet_and_key(app, alice, bob):
    assert mentioned_names("hi @Bob and @BOB, @ｂｏｂ, @\u0430nna, mail bob@example.com, @bob.") == ["Bob"]
    assert mentioned_names("@" + "z" * 65) == []
    create_post(alice, "hello @BOB and @ｂｏｂ")
    assert db.session.scalars(sa.select(Activity.user_id)).all() == [bob.id]  # looked up by the same key


@pytest.mark.parametrize(
    "name, refusal", [("", EMPTY), ("z" * 65, TOO_LONG), ("bad\x00name", CONTROL), ("two words", LATIN), ("BOB", TAKEN)]
)
def test_refusals_are_translated(client, bob, name, refusal):
    es = {"Accept-Language": "es"}
    response = register(client, name, headers=es)
    assert response.status_code == 422
    shown = text(by_id(page(response), "username-error"))
    with client.application.test_request_context(headers=es), force_locale("es"):
        from flask_babel import gettext

        expected = (
            gettext(refusal)
            if refusal != TOO_LONG
            else gettext("Please use at most %(max)d characters (you used %(n)d).", max=64, n=65)
        )
    assert shown == expected and shown != refusal


# Follow, unfollow, block, unblock: one shape, with CSRF protection on.


@pytest.fixture
def alice_signed_in(csrf_app):
    """A client signed in as alice through the sign-in form (CSRF on); bob exists."""
    make_user("alice")
    make_user("bob")
    client = csrf_app.test_client()
    form = by_id(page(client.get("/auth/login")), "login-form")
    assert submit(client, form, username="alice", password=PASSWORD).status_code == 303
    return client


def controls(client, control_id: str):
    return by_id(page(client.get("/user/bob")), control_id).find("form")


def flashes(client) -> str:
    return text(by_id(page(client.get("/index")), "flashes"))


def follows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(followers))


def blocked() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Block))


@pytest.mark.parametrize(
    "control, then, after, message, state",
    [
        ("follow-controls", None, "/unfollow/bob", "You are following bob.", lambda: follows() == 1),
        ("follow-controls", "follow-controls", "/follow/bob", "You are not following bob.", lambda: follows() == 0),
        ("block-controls", None, "/unblock/bob", "You blocked bob.", lambda: blocked() == 1),
        ("block-controls", "block-controls", "/block/bob", "You unblocked bob.", lambda: blocked() == 0),
    ],
)
def test_the_plain_form_answers_303_to_the_profile_with_a_flash(alice_signed_in, control, then, after, message, state):
    client = alice_signed_in
    if then:  # unfollow / unblock: follow or block first
        assert submit(client, controls(client, then)).status_code == 303
        client.get("/index")  # the first flash is shown and gone
    response = submit(client, controls(client, control))
    assert response.status_code == 303 and response.headers["Location"] == "/user/bob"
    assert state()
    assert message in flashes(client)
    assert controls(client, control)["action"] == after  # the profile now offers the opposite


@pytest.mark.parametrize(
    "control, then, button, message, state",
    [
        ("follow-controls", None, "Unfollow", "You are following bob.", lambda: follows() == 1),
        ("follow-controls", "follow-controls", "Follow", "You are not following bob.", lambda: follows() == 0),
        ("block-controls", None, "Unblock", "You blocked bob.", lambda: blocked() == 1),
        ("block-controls", "block-controls", "Block", "You unblocked bob.", lambda: blocked() == 0),
    ],
)
def test_htmx_swaps_the_controls_in_place_without_a_flash(alice_signed_in, control, then, button, message, state):
    client = alice_signed_in
    if then:
        assert submit(client, controls(client, then), headers=HTMX).status_code == 200
    response = submit(client, controls(client, control), headers=HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers.get("Vary", "")
    swapped = fragment(response, f"#{control}")
    assert text(swapped.find("button")) == button
    assert swapped.find("input", attrs={"name": "csrf_token"}) is not None  # the new form can post again
    assert state()
    assert message not in flashes(client)


def test_the_hover_cards_follow_form_gets_controls_without_ids(alice_signed_in):
    client = alice_signed_in
    card = fragment(client.get("/user/bob/popup", headers=HTMX))
    form = card.select_one(".follow-controls form")
    response = submit(client, form, headers=HTMX)
    assert response.status_code == 200 and follows() == 1
    swapped = fragment(response, ".follow-controls")
    assert swapped.get("id") is None and swapped.find(id="follow-button") is None


@pytest.mark.parametrize("url", ["/follow/bob", "/unfollow/bob", "/block/bob", "/unblock/bob"])
def test_without_the_csrf_token_nothing_changes(alice_signed_in, url):
    assert alice_signed_in.post(url).status_code == 400
    assert alice_signed_in.post(url, headers=HTMX).status_code == 400
    assert follows() == 0 and blocked() == 0


def token(client) -> str:
    return controls(client, "follow-controls").find("input", attrs={"name": "csrf_token"})["value"]


@pytest.mark.parametrize(
    "url, refusal",
    [
        ("/follow/alice", "You cannot follow yourself."),
        ("/unfollow/ALICE", "You cannot unfollow yourself."),
        ("/block/alice", "You cannot block yourself."),
        ("/unblock/Alice", "You cannot block yourself."),
    ],
)
def test_acting_on_yourself_is_400(alice_signed_in, url, refusal):
    client = alice_signed_in  # raw: your own profile offers no button to follow or block yourself
    response = client.post(url, data={"csrf_token": token(client)})
    assert response.status_code == 400
    assert refusal in response.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token(client)}, headers=HTMX).status_code == 400
    assert follows() == 0 and blocked() == 0


@pytest.mark.parametrize("verb", ["follow", "unfollow", "block", "unblock"])
@pytest.mark.parametrize("name", ["nobody", "z" * 300, "bob\u200b"])
def test_an_unknown_user_is_404(alice_signed_in, verb, name):
    client = alice_signed_in  # raw: no page offers a button for a name nobody has
    assert client.post(f"/{verb}/{quote(name)}", data={"csrf_token": token(client)}).status_code == 404
    assert client.post(f"/{verb}/{quote(name)}", data={"csrf_token": token(client)}, headers=HTMX).status_code == 404
    assert follows() == 0 and blocked() == 0
