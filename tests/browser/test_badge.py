"""The live badge in a real browser: polling, out-of-band clearing, stopping after sign-out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import POLL_MS, mark_document, same_document, screenshot, sign_in


def poll(page):
    """Let the badge's 10 s timer fire (on the page's fake clock) and return the poll's response."""
    with page.expect_response(lambda r: "/notifications/badge" in r.url) as answer:
        page.clock.run_for(POLL_MS)
    return answer.value


def test_badge_counts_a_new_message_without_a_reload_and_clears_when_read(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    alice = new_context().new_page()
    bob = new_context().new_page()
    bob.clock.install()
    sign_in(alice, "alice")
    sign_in(bob, "bob")
    badge = bob.locator("#message-count")
    expect(badge.locator(".badge")).to_be_hidden()
    mark_document(bob)

    # A sends B a message through the conversation's form.
    alice.goto("/messages/bob")
    alice.fill("#message-form textarea[name=message]", "Hi Bob!")
    alice.click("#message-form button[type=submit]")
    expect(alice.locator("#message-log")).to_contain_text("Hi Bob!")

    # One poll interval later B's badge shows 1, with no page load. Push (on here) may have refetched it
    # already; then the poll finds nothing new and answers 204 (tests/browser/test_push.py blocks the
    # stream to check polling alone).
    response = poll(bob)
    assert response.status in (200, 204)
    expect(badge.locator(".badge")).to_have_text("1")
    expect(badge.locator(".badge")).to_be_visible()
    expect(bob.locator("#message-status[role=status] > #message-count")).to_have_count(1)
    expect(bob.locator("#message-status")).to_contain_text("1 unread message")
    assert same_document(bob), "the badge must update without a page load"
    screenshot(bob, "badge-with-count")

    # Messages lists the conversation (still unread); opening it shows the message and the badge is gone.
    bob.click("a[href='/messages']")
    bob.wait_for_url("**/messages")
    expect(bob.locator("#conversation-list")).to_contain_text("Hi Bob!")
    expect(bob.locator("#conversation-list")).to_contain_text("1 unread message")
    bob.click("#conversation-list a[href='/messages/alice']")
    bob.wait_for_url("**/messages/alice")
    expect(bob.locator("#message-log")).to_contain_text("Hi Bob!")
    expect(badge.locator(".badge")).to_be_hidden()
    # ...and stays gone after the next poll (204: nothing to swap).
    response = poll(bob)
    assert response.status == 204
    expect(badge.locator(".badge")).to_be_hidden()


def test_deleting_a_conversation_by_htmx_clears_the_badge_out_of_band(live_server, new_context):
    """Delete-for-me on the list removes the row in place and swaps the badge out-of-band."""
    live_server.user("alice")
    live_server.user("bob")
    live_server.user("carol")
    for n in range(4):
        live_server.message("alice", "bob", f"message {n}")
    live_server.message("carol", "bob", "from carol")
    page = new_context().new_page()
    sign_in(page, "bob")
    expect(page.locator("#message-count .badge")).to_have_text("5")
    page.goto("/messages")
    mark_document(page)
    row = page.locator("#conversation-list li", has_text="alice")
    page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first
    with page.expect_response(re.compile(r"/messages/alice/delete$")) as answer:
        row.locator("button[type=submit]").click()
    assert answer.value.status == 200
    expect(row).to_have_count(0)
    expect(page.locator("#conversation-list")).to_contain_text("from carol")
    expect(page.locator("#message-count .badge")).to_have_text("1")
    expect(page.locator("#message-count")).to_contain_text("1 unread message")
    assert same_document(page)


def test_signing_out_in_one_tab_stops_polling_in_the_other(live_server, new_context):
    """Polling alone, as with SSE_ENABLED=0: with push on, the stream's first state could refetch the badge
    after the sign-out and stop it before the timer this test drives (closing the stream on sign-out is
    tests/browser/test_push.py's)."""
    live_server.app.config["SSE_ENABLED"] = False
    live_server.user("bob")
    context = new_context()
    tab1, tab2 = context.new_page(), context.new_page()
    tab1.clock.install()
    sign_in(tab1, "bob")
    tab2.goto("/")
    expect(tab1.locator("[sse-connect]")).to_have_count(0)
    polls = []
    tab1.on("request", lambda r: polls.append(r.url) if "/notifications/badge" in r.url else None)

    tab2.click("nav form[action='/auth/logout'] button")
    expect(tab2.locator("#flashes")).to_contain_text("You have signed out.")

    # At most one more poll: it gets 286 and a badge that does not poll...
    response = poll(tab1)
    assert response.status == 286
    expect(tab1.locator("#message-count")).not_to_have_attribute("hx-trigger", re.compile("every"))
    # ...and then nothing, however long the tab stays open.
    tab1.clock.run_for(POLL_MS * 6)
    tab1.wait_for_timeout(200)
    assert len(polls) == 1, polls
