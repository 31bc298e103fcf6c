"""Accounts, posts, profiles and follows (SPEC S3), page and fragment paths, bad input (S10)."""

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.posts.models import Post
from microblog.users.models import User, followers
from tests.conftest import HTMX, PASSWORD, make_post, make_user
from tests.html import by_id, fragment, page, submit, text


def count(model_or_table) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model_or_table))


def test_register_then_login_following_the_forms(client):
    form = by_id(page(client.get("/auth/register")), "register-form")
    response = submit(client, form, username="Zoe", email="Zoe@Example.com", password="long enough", password2="long enough")
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    user = db.session.scalar(sa.select(User))
    assert (user.username, user.email) == ("Zoe", "zoe@example.com")
    form = by_id(page(client.get("/auth/login")), "login-form")
    response = submit(client, form, username="zoe", password="long enough")
    assert response.status_code == 303 and response.headers["Location"] == "/index"
    assert "Hi, Zoe!" in client.get("/index").get_data(as_text=True)


@pytest.mark.parametrize("fields, field_id, error", [
    ({"username": ""}, "username-error", "cannot be empty"),
    ({"username": "   "}, "username-error", "cannot be empty"),
    ({"username": "a" * 65}, "username-error", "at most 64"),
    ({"username": "bad\x00name"}, "username-error", "control characters"),
    ({"username": "two words"}, "username-error", "Latin letters"),
    ({"username": "ａｌｉｃｅ"}, "username-error", "Latin letters"),
    ({"username": "\u0430lice"}, "username-error", "Latin letters"),
    ({"username": "ß" * 64}, "username-error", "Latin letters"),
    ({"username": "ALICE"}, "username-error", "taken"),
    ({"email": "not-an-email"}, "email-error", "Invalid email"),
    ({"password": "short", "password2": "short"}, "password-error", "8"),
    ({"password2": "different!"}, "password2-error", "do not match"),
])
def test_registration_errors(client, alice, fields, field_id, error):
    data = {"username": "newbie", "email": "newbie@example.com", "password": "long enough", "password2": "long enough"}
    data.update(fields)
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    assert error in text(by_id(page(response), field_id))
    assert count(User) == 1


@pytest.mark.parametrize("name", ["ａｌｉｃｅ", "\u0430lice", "alice\u200b", "\u202eecila", "ali\u2066ce\u2069",
                                  "ß" * 64, "İ" * 40, "ﬃ" * 30, "ǅ" * 64])
def test_lookalike_and_folding_usernames_are_refused_on_every_database(client, alice, name):
    """Other scripts, full-width forms, direction controls and names that grow when case-folded: a field
    error, nothing stored (PostgreSQL would 500 on a key longer than its column)."""
    response = client.post("/auth/register", data={"username": name, "email": "new@example.com",
                                                   "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 422
    assert by_id(page(response), "username-error")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    # Signing in with such a name is a plain failure, not a 500.
    assert client.post("/auth/login", data={"username": name, "password": PASSWORD}).status_code == 422


def test_an_email_that_grows_when_lower_cased_is_a_field_error(client):
    email = "İ" * 60 + "@example.com"  # 72 characters as typed, 132 once lower-cased
    response = client.post("/auth/register", data={"username": "zoe", "email": email,
                                                   "password": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 422
    assert by_id(page(response), "email-error")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_registering_a_known_email_looks_like_a_new_registration(client, alice):
    """The form does not tell which emails have an account: the same answer, and nothing is stored."""
    def register(username, email):
        return client.post("/auth/register", data={"username": username, "email": email,
                                                   "password": PASSWORD, "password2": PASSWORD})

    known, new = register("zoe", "ALICE@example.com"), register("yan", "yan@example.com")
    assert known.status_code == new.status_code == 303
    assert known.headers["Location"] == new.headers["Location"] == "/auth/login"
    assert "registered user" in text(by_id(page(client.get("/auth/login")), "flashes"))
    names = db.session.scalars(sa.select(User.username).order_by(User.id)).all()
    assert names == ["alice", "yan"]


@pytest.mark.parametrize("username, password", [("alice", "wrong password"), ("nobody", PASSWORD), ("", ""),
                                                ("x" * 5000, "y"), ("nul\x00", PASSWORD)])
def test_login_failures_get_one_generic_or_field_message(client, alice, username, password):
    response = client.post("/auth/login", data={"username": username, "password": password})
    assert response.status_code == 422
    assert by_id(page(response), "login-form")
    assert client.get("/index").status_code == 302  # still signed out


def test_wrong_user_and_wrong_password_look_the_same(client, alice):
    a = client.post("/auth/login", data={"username": "alice", "password": "nope nope"})
    b = client.post("/auth/login", data={"username": "nobody", "password": "nope nope"})
    assert text(by_id(page(a), "password-error")) == text(by_id(page(b), "password-error")) == "Invalid username or password."


@pytest.mark.parametrize("target, expected", [
    ("/user/alice", "/user/alice"), ("/messages?page=2", "/messages?page=2"),
    ("https://evil.example/", "/index"), ("//evil.example/", "/index"), ("/\\evil.example", "/index"),
    ("javascript:alert(1)", "/index"), ("http:/evil", "/index"),
])
def test_login_next_only_same_site(client, alice, target, expected):
    response = client.post("/auth/login", query_string={"next": target}, data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_logout_is_post_only(as_alice):
    assert as_alice.get("/auth/logout").status_code == 405
    response = as_alice.post("/auth/logout")
    assert response.status_code == 303
    assert as_alice.get("/index").status_code == 302


def test_pages_need_login(client):
    for url in ["/", "/index", "/explore", "/user/alice", "/edit_profile", "/messages"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_the_sign_in_page_says_why_you_were_sent_there(client):
    response = client.get("/messages", follow_redirects=True)
    assert response.request.path == "/auth/login"
    assert "Please sign in to see this page." in text(by_id(page(response), "flashes"))
    response = client.get("/messages", headers={"Accept-Language": "es"}, follow_redirects=True)
    assert "Inicia sesión para ver esta página." in text(by_id(page(response), "flashes"))
    # Shown once, not on every later visit of the sign-in page.
    assert "Please sign in" not in text(by_id(page(client.get("/auth/login")), "flashes"))


# --- posts ----------------------------------------------------------------------------------------


def test_post_plain_form(as_alice, alice):
    form = by_id(page(as_alice.get("/index")), "post-form")
    response = submit(as_alice, form, post="My first post")
    assert response.status_code == 303
    assert [p.body for p in db.session.scalars(sa.select(Post))] == ["My first post"]
    soup = page(as_alice.get("/index"))
    assert "Your post is now live!" in text(by_id(soup, "flashes"))
    assert "My first post" in text(by_id(soup, "post-list"))


def test_post_htmx_returns_fresh_form_new_post_and_flash(as_alice):
    response = as_alice.post("/index", data={"post": "via htmx"}, headers=HTMX)
    assert response.status_code == 200
    soup = fragment(response)
    assert by_id(soup, "post-form").find("textarea").get_text().strip() == ""
    inserted = soup.find(attrs={"hx-swap-oob": "afterbegin:#posts"})
    assert "via htmx" in text(inserted.find("article"))
    assert "Your post is now live!" in text(by_id(soup, "flashes"))


@pytest.mark.parametrize("body", ["", "  ", "x" * 141, "a\x00b", "\x1f"])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_posts_are_refused(as_alice, body, htmx):
    response = as_alice.post("/index", data={"post": body}, headers=HTMX if htmx else {})
    assert response.status_code == 422
    soup = fragment(response) if htmx else page(response)
    assert by_id(soup, "post-error")
    assert count(Post) == 0


def test_timeline_shows_followed_and_own_posts_only(as_alice, alice, bob):
    carol = make_user("carol")
    make_post(alice, "mine")
    make_post(bob, "bobs")
    make_post(carol, "carols")
    alice.follow(bob)
    db.session.commit()
    bodies = text(by_id(page(as_alice.get("/index")), "post-list"))
    assert "mine" in bodies and "bobs" in bodies and "carols" not in bodies
    assert "carols" in text(by_id(page(as_alice.get("/explore")), "post-list"))


@pytest.mark.parametrize("url", ["/index", "/explore", "/user/alice"])
def test_post_lists_paginate_in_place(app, as_alice, alice, url):
    app.config["POSTS_PER_PAGE"] = 2
    for i in range(5):
        make_post(alice, f"p{i}")
    full = page(as_alice.get(url + "?page=2"))
    older = full.find("a", rel="next")
    assert older["hx-get"] == older["href"] and older["hx-target"] == "#post-list" and older["hx-push-url"] == "true"
    response = as_alice.get(older["href"], headers=HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    items = fragment(response, "#post-list").find_all("article")
    assert [text(a.find("p", class_="body-text")) for a in items] == ["p0"]
    restored = as_alice.get(older["href"], headers={**HTMX, "HX-History-Restore-Request": "true"})
    page(restored)
    boosted = as_alice.get(older["href"], headers={**HTMX, "HX-Boosted": "true"})
    page(boosted)


@pytest.mark.parametrize("value", ["0", "-3", "x", "1e3", "100001", "9" * 30])
def test_bad_page_values_on_post_lists(as_alice, value):
    for url in ("/index", "/explore", "/user/alice"):
        response = as_alice.get(url, query_string={"page": value})
        assert response.status_code == 400, url


# --- profiles and follows ---------------------------------------------------------------------


def test_profile_page(as_alice, alice, bob):
    make_post(bob, "hello from bob")
    soup = page(as_alice.get("/user/bob"))
    assert soup.find("h1").get_text() == "bob"
    assert "hello from bob" in text(by_id(soup, "post-list"))
    assert soup.find("time")["datetime"].endswith("+00:00")
    assert "0 followers" in text(by_id(soup, "follow-controls"))
    assert text(by_id(soup, "follow-button")) == "Follow"


def test_own_profile_in_any_case_shows_counts_and_edit_links_not_a_follow_button(as_alice, alice, bob):
    bob.follow(alice)
    db.session.commit()
    make_post(alice, "my own post")
    for url in ("/user/alice", "/user/ALICE"):
        soup = page(as_alice.get(url))
        assert soup.find("h1").get_text() == "alice"
        assert "1 follower" in text(by_id(soup, "follow-controls"))
        assert soup.find(id="follow-button") is None
        assert "my own post" in text(by_id(soup, "post-list"))
        assert "Edit your profile" in text(soup.find("main"))
    # Another profile shows the button with the viewer's state.
    alice.follow(bob)
    db.session.commit()
    assert text(by_id(page(as_alice.get("/user/bob")), "follow-button")) == "Unfollow"


def test_follow_and_unfollow_with_htmx_swap_controls(as_alice, alice, bob):
    response = as_alice.post("/follow/bob", headers=HTMX)
    assert response.status_code == 200
    controls = fragment(response, "#follow-controls")
    assert "1 follower" in text(controls)
    assert text(controls.find(id="follow-button")) == "Unfollow"
    assert controls.find("form")["action"] == "/unfollow/bob"
    assert count(followers) == 1
    again = as_alice.post("/follow/bob", headers=HTMX)  # a double click
    assert again.status_code == 200 and count(followers) == 1
    response = as_alice.post("/unfollow/bob", headers=HTMX)
    assert text(fragment(response, "#follow-button")) == "Follow"
    assert count(followers) == 0


def test_follow_plain_redirects_to_profile(as_alice, alice, bob):
    response = as_alice.post("/follow/bob")
    assert response.status_code == 303 and response.headers["Location"] == "/user/bob"
    assert "You are following bob." in text(by_id(page(as_alice.get("/user/bob")), "flashes"))


def test_follow_yourself_or_nobody(as_alice):
    assert as_alice.post("/follow/alice").status_code == 400
    assert as_alice.post("/follow/nobody").status_code == 404
    assert as_alice.post("/unfollow/" + "x" * 300).status_code == 404
    assert count(followers) == 0


def test_edit_profile(as_alice, alice):
    form = by_id(page(as_alice.get("/edit_profile")), "profile-form")
    response = submit(as_alice, form, username="alicia", about_me="  I like <b>tags</b>  ")
    assert response.status_code == 303 and response.headers["Location"] == "/user/alicia"
    soup = page(as_alice.get("/user/alicia"))
    assert "I like <b>tags</b>" in text(soup.find(class_="body-text"))
    assert soup.find("b") is None


@pytest.mark.parametrize("fields, field_id", [({"username": ""}, "username-error"), ({"username": "bob"}, "username-error"),
                                              ({"username": "ｂｏｂ"}, "username-error"),
                                              ({"username": "b\u043eb"}, "username-error"),
                                              ({"username": "İ" * 40}, "username-error"),
                                              ({"username": "bob\u202e"}, "username-error"),
                                              ({"about_me": "x" * 141}, "about_me-error"),
                                              ({"about_me": "a\x00"}, "about_me-error"),
                                              ({"about_me": "my cv \u202egnp.exe"}, "about_me-error"),
                                              ({"about_me": "zero\u200bwidth"}, "about_me-error")])
def test_edit_profile_errors(as_alice, alice, bob, fields, field_id):
    data = {"username": "alice", "about_me": ""}
    data.update(fields)
    response = as_alice.post("/edit_profile", data=data)
    assert response.status_code == 422
    assert by_id(page(response), field_id)
    assert db.session.get(User, alice.id).username == "alice"


def test_a_name_from_before_the_ascii_rule_is_kept_but_not_chosen_anew(client, auth):
    make_user("José")
    assert auth.login("josé").status_code == 303
    response = client.post("/edit_profile", data={"username": "José", "about_me": "hola"})
    assert response.status_code == 303
    user = db.session.scalar(sa.select(User))
    assert (user.username, user.about_me) == ("José", "hola")
    response = client.post("/edit_profile", data={"username": "Jösé", "about_me": "hola"})
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


def test_last_seen_updated_by_a_page_view(app, as_alice, alice):
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 0
    before = db.session.get(User, alice.id).last_seen
    as_alice.get("/explore")
    after = db.session.get(User, alice.id).last_seen
    assert after > before and after.tzinfo is not None
