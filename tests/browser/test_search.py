"""Search in a real browser (SPEC S15): as you type, and without JavaScript."""

from __future__ import annotations

import re
from playwright.sync_api import expect
from .conftest import mark_document, same_document, screenshot, sign_in


def test_search_as_you_type(live_server, new_context):
    live_server.user("alice")
    live_server.posts("alice", ["bananas are yellow", "apples are red", "banana bread recipe"])
    live_server.user("bananafan", about_me="Bakes banana bread every Sunday.")
    page = new_context().new_page()
    sign_in(page, "alice")
    mark_document(page)
    page.locator("#search-q").press_sequentially("bana", delay=50)
    expect(page).to_have_url(re.compile(r"/search\?q=bana$"))
    expect(page.locator("#search-posts article")).to_have_count(2)
    expect(page).to_have_title("Results for “bana” · Microblog")  # the tab follows the pushed URL
    expect(page.locator("title")).to_have_count(1)
    expect(page.locator("#search-posts mark").first).to_have_text(re.compile("^[Bb]anana"))
    page.locator("#search-q").press_sequentially("nas")
    expect(page.locator("#search-posts article")).to_have_count(1)
    expect(page).to_have_title("Results for “bananas” · Microblog")
    assert same_document(page)
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=bana$"))
    expect(page.locator("#search-posts article")).to_have_count(2)
    page.reload()
    expect(page.locator("#search-posts article")).to_have_count(2)
    expect(page.locator("#search-q")).to_have_value("bana")
    person = page.locator("#search-users li")
    expect(person).to_have_text(re.compile(r"bananafan\s+Bakes banana bread every Sunday\."))
    # Last: Playwright's screenshot adds a <style> that htmx's history snapshot would carry along.
    screenshot(page, "search")
    box = person.get_by_text("Bakes banana bread").bounding_box()  # the about me, not the name's link:
    page.mouse.click(box["x"] + 5, box["y"] + box["height"] / 2)  # the whole row is the link (SPEC S20)
    expect(page).to_have_url(re.compile(r"/user/bananafan$"))


def test_search_without_javascript(live_server, new_context):
    live_server.user("alice")
    live_server.posts("alice", ["bananas are yellow", "apples are red"])
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "alice")
    page.fill("#search-q", "apples")
    page.press("#search-q", "Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=apples$"))
    expect(page.locator("#search-posts article")).to_have_count(1)
