"""Activity and privacy in a real browser (SPEC S14): the activity count without a reload, blocking."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import POLL_MS, mark_document, same_document, sign_in


def test_a_follow_changes_the_other_browsers_activity_count_without_a_reload(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    alice = new_context().new_page()
    bob = new_context().new_page()
    alice.clock.install()
    sign_in(alice, "alice")
    sign_in(bob, "bob")
    count = alice.locator("#activity-count")
    expect(count.locator(".badge")).to_be_hidden()
    mark_document(alice)

    bob.goto("/user/alice")
    bob.click("#follow-button")
    expect(bob.locator("#follow-button")).to_have_text("Unfollow")

    # The push event (or, at the latest, the next poll) refetches the badge: both counts in one answer.
    alice.clock.run_for(POLL_MS)
    expect(count.locator(".badge")).to_have_text("1")
    expect(alice.locator("#activity-status")).to_contain_text("1 new activity")
    assert same_document(alice), "the activity count must update without a page load"

    alice.click("a[href='/activity']")
    alice.wait_for_url("**/activity")
    expect(alice.locator("#activity-list")).to_contain_text("bob followed you")
    expect(alice.locator("#activity-count .badge")).to_be_hidden()


def test_a_blocked_sender_is_told_before_typing(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    alice = new_context().new_page()
    bob = new_context().new_page()
    sign_in(alice, "alice")
    sign_in(bob, "bob")

    alice.goto("/user/bob")
    mark_document(alice)
    alice.click("#block-button")
    expect(alice.locator("#block-button")).to_have_text("Unblock")
    assert same_document(alice), "blocking swaps the control in place"

    bob.goto("/user/alice")
    expect(bob.locator("#message-refused")).to_have_text("You can't message this user.")
    expect(bob.locator("#send-message-link")).to_have_count(0)
    bob.goto("/messages/alice")
    expect(bob.locator("#message-refused")).to_have_text("You can't message this user.")
    expect(bob.locator("#message-form")).to_have_count(0)

    alice.goto("/settings/blocked")
    expect(alice.locator("#blocked-users")).to_contain_text("bob")
