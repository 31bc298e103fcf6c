"""Looks in a real browser (SPEC S20): the phone menu without JavaScript at 390x844, dark mode from the
system and from the setting, axe in both colour schemes, the post page and its controls; README screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in
from .test_accessibility import AXE_RUN, axe_violations, focus_by_tab

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(live_server):
    for name in ("alice", "bob", "carol"):
        live_server.user(name, about_me=f"I am {name}.")
    live_server.posts("alice", ["Hello from Alice", "Second post, with @bob"])
    live_server.posts("bob", ["Bob's post"])
    for n in range(3):
        live_server.message("bob", "alice", f"Message {n} from Bob")
    live_server.message("carol", "alice", "Hola, alice")


def test_the_phone_menu_folds_the_navbar_and_keeps_the_counts_in_view(live_server, new_context, people):
    page = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    sign_in(page, "alice")
    nav = page.locator("nav.site-nav")
    menu = page.locator("#site-menu")
    # Closed: one row; the counts are visible, the menu's links are not.
    assert nav.bounding_box()["height"] < 70
    expect(menu).not_to_have_attribute("open", "")
    expect(page.locator("#message-count .badge")).to_be_visible()
    expect(page.locator("#message-count .badge")).to_have_text("4")
    expect(page.locator("#message-status[role=status]")).to_be_visible()
    expect(page.locator("#activity-status[role=status]")).to_be_attached()
    expect(page.locator("a.nav-link[href='/activity']")).to_be_visible()
    expect(menu.locator("a[href='/explore']")).to_be_hidden()
    expect(menu.locator("#search-q")).to_be_hidden()
    screenshot(page, "phone-home")

    # The keyboard opens it (the summary is a button for screen readers: its state is announced).
    focus_by_tab(page, "#site-menu > summary")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    expect(menu.locator("a[href='/explore']")).to_be_visible()
    expect(menu.locator("#search-q")).to_be_visible()
    expect(menu.locator("button", has_text="Sign out")).to_be_visible()
    expect(page.locator("#message-count .badge")).to_be_visible()  # the counts stay where they were
    screenshot(page, "phone-menu")
    focus_by_tab(page, "#site-menu a[href='/explore']", limit=5)
    page.keyboard.press("Enter")
    page.wait_for_url("**/explore")
    # A new page starts with the menu closed; the summary toggles it back shut too.
    expect(menu).not_to_have_attribute("open", "")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Enter")  # the summary still has the focus after the click
    expect(menu).not_to_have_attribute("open", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing overflows sideways


def test_the_phone_menu_works_without_javascript(live_server, new_context, people):
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto("/")
    page.click("#site-menu > summary")
    page.click("#site-menu a[href='/auth/login']")
    page.wait_for_url("**/auth/login")


def test_on_a_desktop_the_menu_is_the_navbar(live_server, new_context, people):
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(page, "alice")
    expect(page.locator("#site-menu > summary")).to_be_hidden()
    for selector in ("a[href='/explore']", "#search-q", "a[href='/user/alice']"):
        expect(page.locator(f"#site-menu {selector}")).to_be_visible()
    assert page.locator("nav.site-nav").bounding_box()["height"] < 70


def test_rows_are_tapped_as_a_whole(live_server, new_context, people):
    page = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    sign_in(page, "alice")
    page.goto("/messages")
    row = page.locator("#conversation-list li").first
    box = row.bounding_box()
    # A tap on the row's right-hand side, away from the name link, opens the conversation.
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] - 6)
    page.wait_for_url(re.compile(r"/messages/(bob|carol)$"))


def test_dark_mode_follows_the_system_and_the_setting(live_server, new_context, people):
    page = new_context(color_scheme="dark").new_page()
    page.goto("/")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"  # the system asks for dark: the page is dark
    sign_in(page, "alice")
    expect(page.locator("html")).not_to_have_attribute("data-bs-theme", re.compile("."))
    page.goto("/appearance")
    page.check("input[name=theme][value=light]")
    page.click("#appearance-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.goto("/appearance")
    page.check("input[name=theme][value=dark]")
    page.click("#appearance-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")


PAGES = [
    "/",
    "/explore",
    "/user/bob",
    "/messages",
    "/messages/bob",
    "/activity",
    "/search?q=b",  # people (avatar, name, about me) and posts
    "/appearance",
    "/edit_profile",
]


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_main_pages_have_no_serious_axe_violations_in_both_schemes(live_server, new_context, people, scheme):
    page = new_context(color_scheme=scheme, bypass_csp=True).new_page()
    found = {}
    for path in ("/", "/auth/login", "/auth/register"):
        page.goto(path)
        found[path] = axe_violations(page)
        if path == "/":
            screenshot(page, f"landing-{scheme}", full_page=True)
    sign_in(page, "alice")
    page.goto("/user/alice")
    post_path = page.locator("#post-list a[id^=post-link-]").first.get_attribute("href")  # alice's own
    for path in [*PAGES, post_path, post_path + "/delete"]:
        response = page.goto(path)
        assert response.status == 200, path
        found[path] = axe_violations(page)
        if scheme == "dark" and path in ("/", "/activity"):
            screenshot(page, {"/": "home-dark"}.get(path, "activity-dark"), full_page=True)
    # axe really runs in this scheme: low contrast is reported.
    page.evaluate(
        "() => { const p = document.createElement('p'); p.textContent = 'faint';"
        " p.className = 'test-faint'; document.querySelector('main').append(p) }"
    )
    page.add_style_tag(content=".test-faint { color: #777 !important; background: #666 !important; }")
    assert any("color-contrast" in v for v in page.evaluate(AXE_RUN))
    bad = {path: v for path, v in found.items() if v}
    assert not bad, "serious or critical axe violations:\n" + "\n".join(f"{p}: {v}" for p, v in bad.items())


def test_a_post_page_and_deleting_with_the_confirm_dialog(live_server, new_context, people):
    page = new_context().new_page()
    sign_in(page, "alice")
    first = page.locator("#post-list article").first
    expect(first).to_contain_text("Second post")
    first.locator("a[id^=post-link-]").click()
    page.wait_for_url(re.compile(r"/post/\d+$"))
    expect(page.locator("main article")).to_contain_text("Second post")
    screenshot(page, "post")
    page.goto("/")
    page.once("dialog", lambda dialog: dialog.accept())
    target = page.locator("#post-list article", has_text="Hello from Alice")
    target.locator("form[id^=delete-post-] button").click()
    expect(target).to_have_count(0)
    expect(page.locator("#flashes")).to_contain_text("Your post has been deleted.")
    page.reload()
    expect(page.locator("#post-list")).not_to_contain_text("Hello from Alice")
