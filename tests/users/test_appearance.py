"""The colour scheme setting (/appearance): light, dark or the system's, rendered by the server as
data-bs-theme on <html>; "system" renders none and loads the stylesheet that follows prefers-color-scheme."""

import pytest

from microblog.extensions import db
from microblog.users.models import User
from tests.html import actor

DARK_SYSTEM_CSS = "/static/vendor/bootstrap-5.3.8-dark-system.css"


def scheme(seen) -> tuple[str | None, bool]:
    """(data-bs-theme on <html>, whether the page follows the system's scheme)."""
    soup = seen.page()
    follows = any(link.get("href") == DARK_SYSTEM_CSS for link in soup.find_all("link"))
    return soup.find("html").get("data-bs-theme"), follows


def test_pages_follow_the_system_until_a_scheme_is_chosen(client, alice):
    landing = actor(client).opens("/")
    assert scheme(landing) == (None, True)  # signed out too
    # Only a dark system waits for it: with a media query a light one loads it without blocking the first paint.
    link = landing.page().find("link", href=DARK_SYSTEM_CSS)
    assert link["media"] == "(prefers-color-scheme: dark)"
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    assert scheme(alice_at.opens("/index")) == (None, True)


@pytest.mark.parametrize("choice", ["dark", "light"])
def test_choosing_a_scheme_draws_every_page_in_it(client, alice, choice):
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    form = alice_at.opens("/appearance")
    assert form.by_id("appearance-form").find("input", attrs={"value": "system"}).has_attr("checked")
    saved = form.submits("#appearance-form", theme=choice)
    assert saved.status == 303 and saved.location == "/appearance"
    back = saved.follows_redirect()
    assert "Your appearance setting has been saved." in back.text("flashes")
    assert back.by_id("appearance-form").find("input", attrs={"value": choice}).has_attr("checked")
    for url in ("/index", "/explore", "/messages", "/activity"):
        assert scheme(alice_at.opens(url)) == (choice, False), url
    db.session.expire_all()
    assert db.session.get(User, alice.id).theme == choice
    # And back to the system's.
    alice_at.opens("/appearance").submits("#appearance-form", theme="system")
    assert scheme(alice_at.opens("/index")) == (None, True)


@pytest.mark.parametrize("value", ["", "blue", "x" * 500, "dark\x00"])
def test_a_scheme_that_is_not_offered_is_refused(client, alice, value):
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    answer = alice_at.opens("/appearance").submits("#appearance-form", theme=value)
    assert answer.status == 422 and answer.by_id("theme-error")
    db.session.expire_all()
    assert db.session.get(User, alice.id).theme == "system"


def test_one_users_scheme_is_theirs_alone(client, alice, bob):
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    alice_at.opens("/appearance").submits("#appearance-form", theme="dark")
    alice_at.signs_out()
    bob_at = actor(client, "bob")
    bob_at.signs_in()
    assert scheme(bob_at.opens("/index")) == (None, True)


def test_the_setting_needs_a_sign_in_and_the_csrf_token(csrf_app, alice):
    client = csrf_app.test_client()
    response = client.get("/appearance")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    # A browser would send the token; a forged form would not (raw POST, on purpose).
    assert client.post("/appearance", data={"theme": "dark"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, alice.id).theme == "system"
    assert alice_at.opens("/appearance").submits("#appearance-form", theme="dark").status == 303


def test_in_spanish(client, alice):
    alice_at = actor(client, "alice").speaks("es")
    alice_at.signs_in()
    assert "Apariencia" in alice_at.opens("/appearance").text()
