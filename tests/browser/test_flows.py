"""Forms, pagination and follows in a real browser: htmx swaps in place; without JavaScript, full page loads."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD

from .conftest import HOME, mark_document, same_document, screenshot, sign_in


def test_reply_form_errors_in_place_then_sends_once(live_server, alice_on_bobs_profile):
    page = alice_on_bobs_profile
    page.click("#send-message-link")
    page.wait_for_url("**/messages/bob")
    mark_document(page)
    form = page.locator("#message-form")

    # Only spaces: the error appears beside the field, in place, and nothing is stored.
    with page.expect_response("**/messages/bob") as answer:
        form.locator("textarea[name=message]").fill("   ")
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    expect(page.locator("#message-error")).to_have_text("This field cannot be empty.")
    expect(form.locator("textarea[name=message]")).to_have_attribute("aria-invalid", "true")
    assert same_document(page) and page.url.endswith("/messages/bob")
    assert live_server.message_count() == 0

    # A valid body, double-clicked: one message, at the bottom of the thread, and a fresh form.
    form.locator("textarea[name=message]").fill("Lunch tomorrow?")
    with page.expect_response("**/messages/bob") as answer:
        form.locator("button[type=submit]").dblclick()
    assert answer.value.status == 200
    expect(page.locator("#message-log article.message-mine")).to_have_count(1)
    expect(page.locator("#message-log article").last).to_contain_text("Lunch tomorrow?")
    expect(page.locator("#thread-empty")).to_be_hidden()
    expect(form.locator("textarea[name=message]")).to_have_value("")
    expect(page.locator("#message-error")).to_have_count(0)
    page.wait_for_timeout(300)  # room for a second request, if the double click had made one
    assert live_server.message_count() == 1
    assert same_document(page)
    screenshot(page, "conversation")


def _post_bodies(page):
    return page.locator("#post-list article .body-text").all_inner_texts()


def test_explore_pages_in_place_with_working_url_back_and_reload(live_server, new_context):
    live_server.user("alice")
    live_server.posts("alice", [f"post number {n}" for n in range(1, 8)])  # 3 per page: 3 pages
    page = new_context().new_page()
    sign_in(page, "alice")
    page.goto("/explore")
    first = _post_bodies(page)
    assert first == ["post number 7", "post number 6", "post number 5"]
    mark_document(page)

    page.locator("#post-list a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"/explore\?page=2$"))
    expect(page.locator("#post-list")).to_contain_text("post number 4")
    second = _post_bodies(page)
    assert second == ["post number 4", "post number 3", "post number 2"]
    assert same_document(page), "the pager must swap the list in place"

    page.go_back()
    expect(page).to_have_url(re.compile(r"/explore$"))
    expect(page.locator("#post-list")).to_contain_text("post number 7")
    assert _post_bodies(page) == first
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/explore\?page=2$"))
    expect(page.locator("#post-list")).to_contain_text("post number 4")
    assert _post_bodies(page) == second
    page.reload()
    assert _post_bodies(page) == second
    expect(page.locator("h1")).to_have_text("Explore")
    expect(page.locator("main #post-list")).to_have_count(1)


def test_conversation_list_pages_in_place_and_back_restores_it(live_server, new_context):
    live_server.user("bob")
    for n in range(1, 6):
        live_server.user(f"friend{n}")
        live_server.message(f"friend{n}", "bob", f"note {n}")
    page = new_context().new_page()
    sign_in(page, "bob")
    page.goto("/messages")
    names = lambda: page.locator("#conversation-list li[id^=conversation-] a[id^=conversation-link]").all_inner_texts()  # noqa: E731
    assert names() == ["friend5", "friend4", "friend3"]
    mark_document(page)
    page.locator("#conversation-list a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"/messages\?page=2$"))
    expect(page.locator("#conversation-list")).to_contain_text("note 2")
    assert names() == ["friend2", "friend1"]
    assert same_document(page)
    # Into a conversation and back: the list comes back as it was.
    page.click("#conversation-list a[href='/messages/friend1']")
    page.wait_for_url("**/messages/friend1")
    expect(page.locator("#message-log")).to_contain_text("note 1")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/messages\?page=2$"))
    expect(page.locator("#conversation-list")).to_contain_text("note 1")
    assert names() == ["friend2", "friend1"]
    page.go_back()
    expect(page).to_have_url(re.compile(r"/messages$"))
    expect(page.locator("#conversation-list")).to_contain_text("note 5")
    page.reload()
    assert names() == ["friend5", "friend4", "friend3"]
    expect(page.locator("h1")).to_have_text("Messages")


def test_follow_and_unfollow_swap_button_and_counts_in_place(alice_on_bobs_profile):
    page = alice_on_bobs_profile
    controls = page.locator("#follow-controls")
    expect(controls).to_contain_text("0 followers")
    mark_document(page)
    page.click("#follow-button")
    expect(page.locator("#follow-button")).to_have_text("Unfollow")
    expect(controls).to_contain_text("1 follower,")
    page.click("#follow-button")
    expect(page.locator("#follow-button")).to_have_text("Follow")
    expect(controls).to_contain_text("0 followers")
    assert same_document(page) and page.url.endswith("/user/bob")
    page.reload()
    expect(page.locator("#follow-button")).to_have_text("Follow")


def test_without_javascript_everything_works_by_full_page_loads(live_server, new_context):
    live_server.user("bob")
    live_server.posts("bob", [f"bob says {n}" for n in range(1, 5)])
    page = new_context(java_script_enabled=False).new_page()
    loads = []
    page.on("load", lambda: loads.append(page.url))

    page.goto("/auth/register")
    page.fill("input[name=username]", "nojs")
    page.fill("input[name=email]", "nojs@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("#register-form button[type=submit]")
    expect(page).to_have_url(HOME)  # registering signs in
    expect(page.locator("#flashes")).to_contain_text("Welcome to Microblog")
    page.click("#verify-dismiss-form button")  # the verification banner goes, without JavaScript too
    expect(page).to_have_url(HOME)
    expect(page.locator("#verify-banner")).to_have_count(0)
    expect(page.locator("#message-count")).to_have_count(1)

    page.fill("#post-form textarea[name=post]", "")
    page.click("#post-form button[type=submit]")
    expect(page.locator("#post-error")).to_be_visible()
    page.fill("#post-form textarea[name=post]", "Posted without JavaScript")
    page.click("#post-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Your post is now live!")
    expect(page.locator("#post-list")).to_contain_text("Posted without JavaScript")

    page.goto("/user/bob")
    page.click("#follow-button")
    expect(page).to_have_url(re.compile(r"/user/bob$"))
    expect(page.locator("#follow-button")).to_have_text("Unfollow")
    expect(page.locator("#follow-controls")).to_contain_text("1 follower,")

    page.click("#send-message-link")
    page.fill("#message-form textarea[name=message]", "")
    page.click("#message-form button[type=submit]")
    expect(page.locator("#message-error")).to_be_visible()
    page.fill("#message-form textarea[name=message]", "Hello from a browser without JS")
    page.click("#message-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/messages/bob$"))
    expect(page.locator("#flashes")).to_contain_text("Your message has been sent.")
    expect(page.locator("#message-log article.message-mine")).to_contain_text("Hello from a browser without JS")
    assert live_server.message_count() == 1

    # The home timeline now has bob's 4 posts and ours: 2 pages of 3.
    page.goto("/")
    page.click("#post-list a[rel=next]")
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(page.locator("#post-list a[rel=prev]")).to_be_visible()
    expect(page.locator("#post-list article")).to_have_count(2)

    # Bob reads it, without JavaScript too.
    page.click("nav form[action='/auth/logout'] button")
    expect(page.locator("#flashes")).to_contain_text("You have signed out.")
    sign_in(page, "bob")
    expect(page.locator("#message-count .badge")).to_have_text("1")
    page.click("a[href='/messages']")
    expect(page.locator("#conversation-list")).to_contain_text("Hello from a browser without JS")
    expect(page.locator("#conversation-list")).to_contain_text("1 unread message")
    page.click("#conversation-list a[href='/messages/nojs']")
    expect(page.locator("#message-log article.message-theirs")).to_contain_text("Hello from a browser without JS")
    expect(page.locator("#message-count .badge")).to_be_hidden()
    # Bob answers; "Check for new messages" (the poll's link) and delete-for-me work as plain pages too.
    page.fill("#message-form textarea[name=message]", "Got it, no JS here either")
    page.click("#message-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/messages/nojs$"))
    page.click("#thread-poller")
    expect(page.locator("#message-log")).to_contain_text("Got it, no JS here either")
    page.click("#conversation-controls summary")  # the conversation's options, apart from Send
    page.click("#delete-conversation-form button")
    page.click("#confirm-delete-form button[type=submit]")  # without script, a page asks first
    expect(page).to_have_url(re.compile(r"/messages$"))
    expect(page.locator("#flashes")).to_contain_text("deleted for you")
    expect(page.locator("#conversation-list")).to_contain_text("No conversations yet.")
    assert len(loads) >= 16, loads  # every step above was a full page load
