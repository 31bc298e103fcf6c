"""Accounts, posts, profiles and follows (SPEC S3), page and fragment paths, bad input (S10)."""

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.users.models import User
from tests.conftest import PASSWORD
from tests.html import actor, by_id, page, submit, text


def count(model_or_table) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model_or_table))


def test_register_signs_in_then_login_following_the_forms(client):
    form = by_id(page(client.get("/auth/register")), "register-form")
    response = submit(
        client, form, username="Zoe", email="Zoe@Example.com", password="long enough", password2="long enough"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/index"
    user = db.session.scalar(sa.select(User))
    assert (user.username, user.email, user.email_verified) == ("Zoe", "zoe@example.com", False)
    assert "Hi, Zoe!" in client.get("/index").get_data(as_text=True)  # registering signed Zoe in
    actor(client).signs_out()
    form = by_id(page(client.get("/auth/login")), "login-form")
    response = submit(client, form, username="zoe", password="long enough")
    assert response.status_code == 303 and response.headers["Location"] == "/index"
    assert "Hi, Zoe!" in client.get("/index").get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, field_id, error",
    [
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
    ],
)
def test_registration_errors(client, alice, fields, field_id, error):
    data = {"username": "newbie", "email": "newbie@example.com", "password": "long enough", "password2": "long enough"}
    data.update(fields)
    response = actor(client).opens("/auth/register").submits("#register-form", **data)
    assert response.status_code == 422
    assert error in text(by_id(page(response), field_id))
    assert count(User) == 1


@pytest.mark.parametrize(
    "name",
    [
        "ａｌｉｃｅ",
        "\u0430lice",
        "alice\u200b",
        "\u202eecila",
        "ali\u2066ce\u2069",
        "ß" * 64,
        "İ" * 40,
        "ﬃ" * 30,
        "ǅ" * 64,
    ],
)
def test_lookalike_and_folding_usernames_are_refused_on_every_database(client, alice, name):
    """Other scripts, full-width forms, direction controls and names that grow when case-folded: a field
    error, nothing stored (PostgreSQL would 500 on a key longer than its column)."""
    response = (
        actor(client)
        .opens("/auth/register")
        .submits(
            "#register-form",
            **{"username": name, "email": "new@example.com", "password": PASSWORD, "password2": PASSWORD},
        )
    )
    assert response.status_code == 422
    assert by_id(page(response), "username-error")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    # Signing in with such a name is a plain failure, not a 500.
    assert (
        actor(client)
        .opens("/auth/login")
        .submits("#login-form", **{"username": name, "password": PASSWORD})
        .status_code
        == 422
    )


def test_an_email_that_grows_when_lower_cased_is_a_field_error(client):
    email = "İ" * 60 + "@example.com"  # 72 characters as typed, 132 once lower-cased
    response = (
        actor(client)
        .opens("/auth/register")
        .submits("#register-form", **{"username": "zoe", "email": email, "password": PASSWORD, "password2": PASSWORD})
    )
    assert response.status_code == 422
    assert by_id(page(response), "email-error")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_registering_a_known_email_looks_like_a_new_registration(app, alice):
    """The form does not tell which emails have an account: the same answer (signed in, "we sent a link"),
    and the known address only waits for verification on the new account: alice keeps hers."""

    def register(username, email):
        client = app.test_client()
        response = (
            actor(client)
            .opens("/auth/register")
            .submits(
                "#register-form", **{"username": username, "email": email, "password": PASSWORD, "password2": PASSWORD}
            )
        )
        return response, text(by_id(page(client.get("/index")), "flashes"))

    (known, known_flash), (new, new_flash) = register("zoe", "ALICE@example.com"), register("yan", "yan@example.com")
    assert known.status_code == new.status_code == 303
    assert known.headers["Location"] == new.headers["Location"] == "/index"
    assert known_flash.replace("alice@", "yan@") == new_flash
    rows = db.session.execute(sa.select(User.username, User.email, User.pending_email).order_by(User.id)).all()
    assert [(name, pending) for name, _email, pending in rows] == [
        ("alice", None),
        ("zoe", "alice@example.com"),
        ("yan", None),
    ]
    assert rows[0].email == "alice@example.com" and rows[2].email == "yan@example.com"
    assert rows[1].email.endswith("@no-address.invalid")


@pytest.mark.parametrize(
    "username, password",
    [("alice", "wrong password"), ("nobody", PASSWORD), ("", ""), ("x" * 5000, "y"), ("nul\x00", PASSWORD)],
)
def test_login_failures_get_one_generic_or_field_message(client, alice, username, password):
    response = actor(client).opens("/auth/login").submits("#login-form", **{"username": username, "password": password})
    assert response.status_code == 422
    assert by_id(page(response), "login-form")
    assert client.get("/index").status_code == 302  # still signed out


def test_wrong_user_and_wrong_password_look_the_same(client, alice):
    a = actor(client).opens("/auth/login").submits("#login-form", **{"username": "alice", "password": "nope nope"})
    b = actor(client).opens("/auth/login").submits("#login-form", **{"username": "nobody", "password": "nope nope"})
    assert (
        text(by_id(page(a), "password-error"))
        == text(by_id(page(b), "password-error"))
        == "Invalid username or password."
    )


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/user/alice", "/user/alice"),
        ("/messages?page=2", "/messages?page=2"),
        ("https://evil.example/", "/index"),
        ("//evil.example/", "/index"),
        ("/\\evil.example", "/index"),
        ("javascript:alert(1)", "/index"),
        ("http:/evil", "/index"),
    ],
)
def test_login_next_only_same_site(client, alice, target, expected):
    response = actor(client, "alice").signs_in(next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_logout_is_post_only(signed_in):
    as_alice = signed_in("alice")
    assert as_alice.opens("/auth/logout").status_code == 405
    response = as_alice.signs_out()
    assert response.status_code == 303
    assert as_alice.opens("/index").status_code == 302


def test_pages_need_login(client):
    for url in ["/index", "/explore", "/user/alice", "/edit_profile", "/messages"]:
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


def test_nul_in_registration_is_422(app, client, request):
    # A raw POST: NUL characters are what a script sends, not what a user types into the form.
    response = client.post(
        "/auth/register", data={"username": "a\x00b", "email": "\x00", "password": "x" * 10, "password2": "x" * 10}
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
