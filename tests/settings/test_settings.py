"""The settings area (SPEC S19): each section a page and a fragment, a nav with real links, the forms."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from microblog.users.relations import Block
from microblog.extensions import db
from microblog.users.models import User
from tests.conftest import HTMX, PASSWORD, make_user
from tests.html import actor, by_id, fragment, page, text

SECTIONS = {
    "/settings/profile": "profile-form",
    "/settings/privacy": "privacy-form",
    "/settings/account": "email-form",
    "/settings/two-factor": "enable-2fa-form",
    "/settings/blocked": "blocked-users",
    "/settings/delete": "delete-account-form",
}


@pytest.mark.parametrize("url, inner", SECTIONS.items())
def test_each_section_is_a_page_and_a_fragment(signed_in, url, inner):
    as_alice = signed_in("alice")
    full = as_alice.opens(url)
    assert full.status_code == 200 and "HX-Request" in full.headers["Vary"]
    soup = page(full)
    by_id(by_id(soup, "settings-section"), inner)
    current = by_id(soup, "settings-nav").select('[aria-current="page"]')
    assert [a["href"] for a in current] == [url]
    navbar = soup.find("nav", attrs={"aria-label": "Main"})
    settings_link = [a for a in navbar.find_all("a") if text(a) == "Settings"]
    assert settings_link[0]["href"] == "/settings/profile" and settings_link[0]["aria-current"] == "page"
    part = as_alice.opens(url, **HTMX)
    assert part.status_code == 200 and "HX-Request" in part.headers["Vary"]
    section = fragment(part, "#settings-section")
    by_id(section, inner)
    nav = fragment(part, "#settings-nav")  # out-of-band: its current link follows
    assert nav["hx-swap-oob"] == "true" and nav.select_one('[aria-current="page"]')["href"] == url
    for boosted in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        assert page(as_alice.opens(url, **{**HTMX, **boosted})).find(id="settings-nav")


def test_the_nav_links_work_with_and_without_htmx(signed_in):
    as_alice = signed_in("alice")
    nav = by_id(page(as_alice.opens("/settings/profile")), "settings-nav")
    links = nav.find_all("a")
    assert [a["href"] for a in links] == [
        "/settings/profile", "/settings/privacy", "/settings/account", "/settings/two-factor",
        "/email/settings", "/appearance", "/settings/blocked", "/export", "/settings/delete",
    ]  # fmt: skip
    for a in links:
        if a["href"] in SECTIONS:  # a settings section swaps in place
            assert a["hx-get"] == a["href"] and a["hx-push-url"] == "true" and a["hx-target"] == "#settings-section"
        else:  # another feature's own page: a plain link
            assert not a.has_attr("hx-get")
            assert as_alice.opens(a["href"]).status_code == 200
    privacy = as_alice.opens("/settings/profile").with_htmx().follows_link("Privacy")
    assert privacy.status == 200 and privacy.fragment("#settings-section").find(id="privacy-form")
    assert privacy.html.startswith("<title>")  # htmx renames the tab with the pushed URL


def test_old_and_short_urls_redirect(signed_in):
    as_alice = signed_in("alice")
    assert as_alice.opens("/edit_profile").headers["Location"] == "/settings/profile"
    assert as_alice.opens("/settings/").headers["Location"] == "/settings/profile"
    as_alice.signs_out()
    for url in SECTIONS:
        response = as_alice.opens(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next=")


def test_privacy_saves_who_may_message_me_and_keeps_read_receipts(signed_in, alice):
    as_alice = signed_in("alice")
    settings = as_alice.opens("/settings/privacy")
    assert settings.by_id("read_receipts").has_attr("checked")  # on by default
    response = settings.submits("#privacy-form", message_policy="nobody")
    assert response.status == 303 and response.location == "/settings/privacy"
    stored = db.session.get(User, alice.id)
    assert (stored.message_policy, stored.read_receipts) == ("nobody", True)


def test_unchecking_read_receipts_turns_them_off(signed_in, alice):
    as_alice = signed_in("alice")
    settings = as_alice.opens("/settings/privacy")
    assert settings.submits("#privacy-form", message_policy="following", read_receipts=False).status == 303
    assert db.session.get(User, alice.id).read_receipts is False
    htmx = as_alice.opens("/settings/privacy").with_htmx().submits("#privacy-form", message_policy="admins")
    assert htmx.status == 422 and htmx.fragment("#settings-section").find(id="message_policy-error")


def test_the_blocked_list_unblocks(signed_in, alice, bob):
    as_alice = signed_in("alice")
    db.session.add(Block(blocker_id=alice.id, blocked_id=bob.id))
    db.session.commit()
    blocked = as_alice.opens("/settings/blocked")
    assert [text(a) for a in blocked.by_id("blocked-users").find_all("a")] == ["bob"]
    assert blocked.presses("Unblock bob").status == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0
    assert "You have not blocked anyone." in as_alice.opens("/settings/blocked").text("blocked-users")


def test_settings_forms_with_csrf_on(csrf_app):
    alice = make_user("alice", verified=False)  # the banner's forms too
    client = csrf_app.test_client()
    me = actor(client, "alice")
    me.signs_in()
    for url, data in [
        ("/settings/profile", {"username": "mallory", "about_me": "x"}),
        ("/settings/privacy", {"message_policy": "nobody"}),
        ("/settings/email", {"email": "evil@example.com", "password": PASSWORD}),
        ("/auth/verify_email/resend", {}),
        ("/auth/verify_email/dismiss", {}),
    ]:
        assert client.post(url, data=data).status_code == 400, url  # raw: without the CSRF token
    stored = db.session.get(User, alice.id)
    assert (stored.username, stored.message_policy, stored.pending_email) == ("alice", "everyone", None)
    assert me.opens("/settings/profile").submits("#profile-form", about_me="hello").status == 303
    assert me.opens("/settings/privacy").with_htmx().submits("#privacy-form", message_policy="nobody").status == 204
    assert me.opens("/index").submits("#verify-dismiss-form").status == 303
    assert db.session.get(User, alice.id).about_me == "hello"
    assert db.session.get(User, alice.id).message_policy == "nobody"


@pytest.mark.parametrize(
    "fields, field_id",
    [
        ({"email": "not-an-email"}, "email-error"),
        ({"email": ""}, "email-error"),
        ({"email": "a\x00@example.com"}, "email-error"),
        ({"email": "new@example.com", "password": ""}, "email-password-error"),
    ],
)
def test_bad_email_changes_are_field_errors(signed_in, alice, fields, field_id):
    as_alice = signed_in("alice")
    response = as_alice.opens("/settings/account").submits("#email-form", **{"password": PASSWORD, **fields})
    assert response.status == 422 and response.by_id(field_id)
    assert db.session.get(User, alice.id).pending_email is None


def test_settings_speak_spanish(signed_in):
    as_alice = signed_in("alice")
    spanish = as_alice.speaks("es").opens("/settings/two-factor")
    assert spanish.page().find("html")["lang"] == "es"
    assert "Inicio de sesión en dos pasos" in spanish.text("settings-nav")
    assert "Escanea este código QR" in spanish.text("settings-section")
    assert "Configuración" in spanish.page().title.get_text()
