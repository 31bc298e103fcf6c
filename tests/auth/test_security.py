"""CSRF, authorization, sessions and cookies, `next`, security headers and escaping."""

# Users sign in, change passwords and sign out through the pages' forms (the actor); the raw POSTs left
# are what a browser would not send: missing or stale CSRF tokens, forged fields and crafted next= values.

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from microblog.auth.login import safe_next
from microblog.auth.session import FRESH_FIELD, parse_session_id, sign_in_fields
from microblog.extensions import db
from microblog.messages.models import Message
from microblog.posts.models import Post
from microblog.users.models import User
from tests.conftest import PASSWORD, make_user, send
from tests.html import actor, by_id, fragment, page, text

HTMX = {"HX-Request": "true"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- CSRF ---------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(csrf_app):
    make_user("alice")
    make_user("bob")
    return csrf_app.test_client()


def _csrf_login(client):
    assert actor(client, "alice").signs_in().status == 303  # the form's own token
    return _page_token(client)


def _page_token(client) -> str:
    """The CSRF token the signed-in page gives htmx (`<body hx-headers>`)."""
    body = page(client.get("/index")).body
    return json.loads(body["hx-headers"])["X-CSRFToken"]


def test_the_csrf_token_changes_at_sign_in_and_sign_out(csrf_client):
    before = page(csrf_client.get("/auth/login")).find(id="login-form").find("input", attrs={"name": "csrf_token"})
    signed_in = _csrf_login(csrf_client)
    assert signed_in != before["value"]
    # A token someone saw (or planted) before the sign-in is refused afterwards.
    response = csrf_client.post(
        "/index", data={"post": "planted", "csrf_token": before["value"]}
    )  # raw: a token planted before the sign-in
    assert response.status_code == 400 and _count(Post) == 0
    assert (
        csrf_client.post("/index", data={"post": "mine", "csrf_token": signed_in}).status_code == 303
    )  # raw: the token compared by hand
    assert (
        csrf_client.post("/auth/logout", data={"csrf_token": signed_in}).status_code == 303
    )  # raw: the token compared by hand
    form = page(csrf_client.get("/auth/login")).find(id="login-form")
    assert form.find("input", attrs={"name": "csrf_token"})["value"] != signed_in


def test_two_tabs_opened_right_after_sign_in_share_one_csrf_token(csrf_app, csrf_client):
    # The sign-in answer already carries the new session's token: were it made by the first page drawn, two
    # tabs drawing at once would each make their own, and the browser's one cookie would keep only the last.
    form = page(csrf_client.get("/auth/login")).find(id="login-form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    signed_in = csrf_client.post(
        "/auth/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )  # raw: the token compared by hand
    assert signed_in.status_code == 303
    cookie = csrf_client.get_cookie("session").value
    tabs = [csrf_app.test_client() for _ in range(2)]
    for tab in tabs:
        tab.set_cookie("session", cookie)
    first, second = (_page_token(tab) for tab in tabs)
    browser = csrf_app.test_client()
    browser.set_cookie("session", tabs[1].get_cookie("session").value)  # the last answer's cookie wins
    assert browser.post("/index", data={"post": "from the first tab", "csrf_token": first}).status_code == 303
    assert browser.post("/index", data={"post": "from the second tab", "csrf_token": second}).status_code == 303


@pytest.mark.parametrize("token", [None, "wrong", ""])
@pytest.mark.parametrize("htmx", [False, True])
def test_post_without_a_valid_csrf_token_is_400_and_changes_nothing(csrf_client, token, htmx):
    _csrf_login(csrf_client)
    cases = [
        ("/index", {"post": "hello"}),
        ("/send_message/bob", {"message": "hi"}),
        ("/follow/bob", {}),
        ("/settings/profile", {"username": "mallory", "about_me": "x"}),
        ("/auth/logout", {}),
        ("/auth/change_password", {"current_password": PASSWORD, "password": "n" * 10, "password2": "n" * 10}),
    ]
    for url, data in cases:
        if token is not None:
            data = {**data, "csrf_token": token}
        response = csrf_client.post(
            url, data=data, headers=HTMX if htmx else {}
        )  # raw: missing, stale or foreign tokens
        assert response.status_code == 400, url
        message = "Your form expired or did not come from this site"
        if htmx:
            assert response.headers["HX-Refresh"] == "true"
            assert message in text(fragment(response, "#error"))
        else:
            assert "HX-Refresh" not in response.headers
            assert message in text(by_id(page(response), "error"))
    assert (_count(Post), _count(Message)) == (0, 0)
    assert db.session.scalar(sa.select(User.username).where(User.id == 1)) == "alice"
    assert csrf_client.get("/index").status_code == 200  # still signed in: logout was refused too


def test_csrf_token_in_htmx_header_is_accepted(csrf_client):
    token = _csrf_login(csrf_client)
    response = csrf_client.post(
        "/index", data={"post": "via htmx"}, headers={**HTMX, "X-CSRFToken": token}
    )  # raw: the token in the header alone
    assert response.status_code == 200
    assert _count(Post) == 1


def test_login_without_token_is_refused(csrf_client):
    response = csrf_client.post("/auth/login", data={"username": "alice", "password": PASSWORD})  # raw: no CSRF token
    assert response.status_code == 400
    assert csrf_client.get("/index").status_code == 302


# --- Authorization ------------------------------------------------------------------------------


def test_nobody_sees_another_users_messages_or_notifications(signed_in, alice, bob):
    as_alice = signed_in("alice")
    carol = make_user("carol")
    send(bob, carol, "secret for carol")
    send(carol, bob, "secret for bob")
    for url in [
        "/messages",
        "/messages/bob",
        "/messages/carol",
        "/messages/carol?after=0",
        "/notifications",
        "/notifications?since=0",
        "/notifications/badge",
        "/messages?page=1",
        "/user/bob",
        "/user/carol",
    ]:
        for headers in ({}, HTMX):
            response = as_alice.opens(url, **headers)
            assert response.status_code in (200, 204), url
            assert "secret for" not in response.get_data(as_text=True), url
    assert as_alice.opens("/notifications").get_json() == []


def test_profile_form_changes_only_your_own_profile(signed_in, alice, bob):
    as_alice = signed_in("alice")
    response = as_alice.client.post(  # raw: forged fields and query
        "/settings/profile?username=bob",
        data={"username": "alice2", "about_me": "mine", "id": str(bob.id), "user_id": str(bob.id)},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (db.session.get(User, bob.id).username, db.session.get(User, bob.id).about_me) == ("bob", None)
    assert (db.session.get(User, alice.id).username, db.session.get(User, alice.id).about_me) == ("alice2", "mine")


def test_signed_out_gets_nothing_private(client, alice, bob):
    send(bob, alice, "private")
    for url in [
        "/messages",
        "/messages/sent",
        "/settings/profile",
        "/auth/change_password",
        "/user/alice",
        "/send_message/alice",
        "/index",
        "/explore",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
        response = client.get(url, headers=HTMX)
        assert response.status_code == 401 and "/auth/login" in response.headers["HX-Redirect"], url
    response = client.get("/notifications")
    assert response.status_code == 401 and response.get_json()["status"] == 401


# --- Sessions and cookies -----------------------------------------------------------------------


def test_session_cookie_flags(client, alice):
    response = actor(client, "alice").signs_in(remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert not any("Secure" in c for c in cookies)  # development runs on http://localhost
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}


def test_a_session_copied_to_another_browser_is_no_longer_fresh(app, client, alice, signed_in):
    """Flask-Login's session protection: a session cookie replayed from another browser (another
    User-Agent) is marked not fresh, the mark a re-authentication check reads."""
    signed_in("alice", client)
    copied = client.get_cookie("session").value
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer.loads(copied).get(FRESH_FIELD) is True
    replay = app.test_client()
    replay.set_cookie("session", copied, domain="localhost")
    response = replay.get("/index", headers={"User-Agent": "SomeoneElse/1.0"})
    assert response.status_code == 200
    assert serializer.loads(replay.get_cookie("session").value).get(FRESH_FIELD) is False
    # The owner's own browser stays fresh.
    client.get("/index")
    assert serializer.loads(client.get_cookie("session").value).get(FRESH_FIELD) is True


def test_change_password(signed_in, alice, app):
    as_alice = signed_in("alice")
    stolen = app.test_client()
    with stolen.session_transaction() as session:  # forged on purpose: a thief's copy of the cookie
        session.update(sign_in_fields(*parse_session_id(alice.get_id())))
    assert stolen.get("/index").status_code == 200
    response = as_alice.opens("/auth/change_password")
    form = by_id(page(response), "change-password-form")
    assert {i["name"] for i in form.find_all("input")} >= {"current_password", "password", "password2"}

    change = as_alice.opens("/auth/change_password")
    response = change.submits(
        "#change-password-form", current_password="wrong one", password="n" * 10, password2="n" * 10
    )
    assert response.status_code == 422
    assert "not correct" in text(by_id(page(response), "current_password-error"))
    response = change.submits("#change-password-form", current_password=PASSWORD, password="n" * 10, password2="m" * 10)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, alice.id).check_password(PASSWORD)

    response = change.submits("#change-password-form", current_password=PASSWORD, password="n" * 10, password2="n" * 10)
    assert response.status_code == 303 and response.headers["Location"].endswith("/user/alice")
    assert "Your password has been changed." in as_alice.opens("/user/alice").get_data(as_text=True)
    assert as_alice.opens("/index").status_code == 200  # this browser stays signed in
    assert stolen.get("/index").status_code == 302  # every other session is over
    db.session.expire_all()
    assert db.session.get(User, alice.id).check_password("n" * 10)


def test_change_password_htmx_answers_a_client_redirect(signed_in):
    # The page's form has no hx-post: this is what an htmx-driven client would send, not our page.
    as_alice = signed_in("alice")
    response = as_alice.client.post(  # raw: see above
        "/auth/change_password",
        headers=HTMX,
        data={"current_password": PASSWORD, "password": "n" * 10, "password2": "n" * 10},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/user/alice")


def test_logout_invalidates_a_copied_session_cookie(signed_in, app):
    as_alice = signed_in("alice")
    copied = as_alice.client.get_cookie("session").value
    assert as_alice.signs_out().status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", copied, domain="localhost")
    assert replay.get("/index").status_code == 302


def test_logout_invalidates_a_remember_me_cookie(client, alice, app):
    response = actor(client, "alice").signs_in(remember=True)
    assert response.status_code == 303
    remembered = client.get_cookie("remember_token").value
    # The cookie alone signs in (a browser restarted without its session)...
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered, domain="localhost")
    assert fresh.get("/index").status_code == 200
    assert actor(client).signs_out().status_code == 303
    # ...until the account signs out: a copy replayed afterwards is worth nothing.
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered, domain="localhost")
    assert replay.get("/index").status_code == 302


def test_logout_signs_out_this_browser(signed_in):
    as_alice = signed_in("alice")
    assert as_alice.signs_out().status_code == 303
    assert as_alice.opens("/index").status_code == 302
    assert as_alice.opens("/auth/logout").status_code == 405  # no sign-out by GET (no state change on GET)


# --- next= ----------------------------------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " /index",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\x00",
    "data:text/html,x",
    "evil.example",
    "https:evil.example",
    "%2F%2Fevil.example",
    "",
    None,
    "/" + "a" * 3000,
    "mailto:x@evil.example",
    "/\u3000/evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_off_site_targets(target):
    result = safe_next(target)
    assert result is None or (result.startswith("/") and not result.startswith("//") and "\\" not in result)
    if target and target.strip() != target or (target or "").startswith(("http", "//", "/\\", "java", "JaVa")):
        assert result is None
    if any(ord(ch) < 32 for ch in target or ""):
        assert result is None  # control characters: never echoed into a Location header


def test_login_with_a_header_splitting_next_goes_home(client, alice):  # raw: a crafted next= straight to the POST
    response = client.post(
        "/auth/login?next=/index%0D%0ASet-Cookie:%20x=1", data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/index"
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("target", ["/index", "/user/bob?page=2", "/messages#top", "/explore?next=//evil"])
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [t for t in OFF_SITE if t])
def test_login_never_redirects_off_site(client, alice, target):  # raw: a crafted next= straight to the POST
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location


# --- Signing out ----------------------------------------------------------------------------------


def test_sign_out_clears_what_the_browser_kept(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.signs_out()
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert response.headers["Cache-Control"] == "no-store"
