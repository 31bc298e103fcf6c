"""Hover cards in a real browser (SPEC S15): by mouse and by keyboard, and following from inside one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from .conftest import screenshot, sign_in
from .test_accessibility import axe_violations


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
