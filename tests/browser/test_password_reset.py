"""The tutorial's other features in a real browser (SPEC S15): password reset through the emailed link,
search as you type and without JavaScript, hover cards by mouse and keyboard, translation."""

from __future__ import annotations

import re
import threading
from http.server import ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from microblog.mail import mail
from tests.auth.test_password_reset import Inbox, free_port, parts
from tests.translation.test_translation import SPANISH, FakeLibreTranslate

from .conftest import HOME, mark_document, same_document, screenshot, sign_in
from .test_accessibility import axe_violations

NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def smtp(live_server):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    live_server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_TIMEOUT=5)
    mail.init_app(live_server.app)  # Flask-Mailman reads its settings when bound
    yield inbox
    controller.stop()


def test_reset_a_forgotten_password_through_the_emailed_link(live_server, new_context, smtp):
    live_server.user("alice")
    page = new_context().new_page()
    page.goto("/auth/login")
    page.click("#forgot-password")
    page.fill("input[name=email]", "alice@example.com")
    page.click("#reset-request-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("If an account uses this address")
    link = re.search(r"http://[^/\s]+(/auth/reset_password/\S+)", parts(smtp.only())["text/plain"]).group(1)
    page.goto(link)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("#reset-password-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Your password has been reset")
    sign_in(page, "alice", NEW_PASSWORD)
    page.goto(link)  # the link worked once
    expect(page).to_have_url(re.compile(r"/index$|/$"))


def test_search_as_you_type(live_server, new_context):
    live_server.user("alice")
    live_server.posts("alice", ["bananas are yellow", "apples are red", "banana bread recipe"])
    page = new_context().new_page()
    sign_in(page, "alice")
    mark_document(page)
    page.locator("#search-q").press_sequentially("bana", delay=50)
    expect(page).to_have_url(re.compile(r"/search\?q=bana$"))
    expect(page.locator("#search-posts article")).to_have_count(2)
    expect(page.locator("#search-posts mark").first).to_have_text(re.compile("^[Bb]anana"))
    page.locator("#search-q").press_sequentially("nas")
    expect(page.locator("#search-posts article")).to_have_count(1)
    assert same_document(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=bana$"))
    expect(page.locator("#search-posts article")).to_have_count(2)
    page.reload()
    expect(page.locator("#search-posts article")).to_have_count(2)
    expect(page.locator("#search-q")).to_have_value("bana")
    # Last: Playwright's screenshot adds a <style> that htmx's history snapshot would carry along.
    screenshot(page, "search")


def test_search_without_javascript(live_server, new_context):
    live_server.user("alice")
    live_server.posts("alice", ["bananas are yellow", "apples are red"])
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "alice")
    page.fill("#search-q", "apples")
    page.press("#search-q", "Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=apples$"))
    expect(page.locator("#search-posts article")).to_have_count(1)


@pytest.fixture
def bob_posted(live_server):
    live_server.user("alice")
    live_server.user("bob", about_me="I like trains.")
    live_server.posts("bob", ["Hello from Bob"])


def test_hover_card_on_mouse_and_follow_inside_it(live_server, new_context, bob_posted):
    page = new_context(bypass_csp=True).new_page()
    sign_in(page, "alice")
    loads = []
    page.on("request", lambda r: loads.append(r.url) if "/popup" in r.url else None)
    page.goto("/explore")
    card = page.locator("#posts article .user-popup-card")
    page.hover("#posts article .user-popup-anchor a")
    expect(card).to_be_visible()
    expect(card).to_contain_text("I like trains.")
    page.mouse.move(600, 600)
    expect(card).to_be_hidden()
    page.hover("#posts article .user-popup-anchor a")
    expect(card).to_be_visible()
    assert len(loads) == 1  # loaded once per link
    expect(card).to_have_css("opacity", "1")  # the fade-in done: axe measures contrast on the final colours
    assert axe_violations(page) == []
    screenshot(page, "hover-card")
    card.locator("button", has_text="Follow").click()
    expect(card.locator("button")).to_have_text("Unfollow")
    expect(card).to_contain_text("1 follower")


def test_hover_card_by_keyboard(live_server, new_context, bob_posted):
    page = new_context().new_page()
    sign_in(page, "alice")
    loads = []
    page.on("request", lambda r: loads.append(r.url) if "/popup" in r.url else None)
    page.goto("/explore")
    link = page.locator("#posts article .user-popup-anchor a")
    link.focus()
    card = page.locator("#posts article .user-popup-card")
    expect(card).to_be_visible()
    link.hover()  # focus then hover: still the one card, loaded once
    page.wait_for_timeout(800)
    assert len(loads) == 1 and card.count() == 1
    page.keyboard.press("Tab")  # into the card: its button
    expect(card.locator("button")).to_be_focused()
    expect(card).to_be_visible()
    page.keyboard.press("Enter")
    expect(card.locator("button")).to_have_text("Unfollow")


@pytest.fixture
def translator(live_server):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    server.mode, server.requests = "ok", []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live_server.app.config["TRANSLATOR_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("javascript", [True, False])
def test_translate_a_post(live_server, new_context, translator, javascript):
    live_server.user("alice")
    live_server.user("bob")
    live_server.posts("bob", [SPANISH])
    page = new_context(java_script_enabled=javascript).new_page()
    sign_in(page, "alice")
    page.goto("/explore")
    if javascript:
        mark_document(page)
    page.click("#posts article form button:has-text('Translate')")
    expect(page.locator("[id^=translation-]")).to_contain_text("[en] Hola")
    if javascript:
        assert same_document(page)
        expect(page.locator("#posts article form")).to_have_count(0)
