"""The messenger in real browsers (SPEC S17): the thread opens at its newest with the composer in view and
focused (desktop and phone, with and without JavaScript); two people, one reacting, unsending, editing and
reading, the other seeing each change without a reload (push); the live conversation list; mute, and delete
that asks first; New message's people picker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import mark_document, same_document, screenshot, sign_in

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def sign_in_with_stream(page, username: str):
    """Sign in and wait until the page's stream is open (push reaches it from now on)."""
    with page.expect_response(lambda r: "/events?shown=" in r.url) as stream:
        sign_in(page, username)
    assert stream.value.status == 200


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("javascript", [True, False])
def test_a_thread_opens_at_its_newest_with_the_composer_in_view_and_focused(live_server, new_context, size, javascript):
    live_server.user("alice")
    live_server.user("bob")
    for n in range(1, 31):
        live_server.message("bob" if n % 2 else "alice", "alice" if n % 2 else "bob", f"note {n}\nsecond line")
    page = new_context(viewport=SIZES[size], java_script_enabled=javascript).new_page()
    sign_in(page, "alice") if javascript else _sign_in_plain(page, "alice")
    page.goto("/messages/bob")
    newest = page.locator("#message-log article").last
    expect(newest).to_contain_text("note 30")
    expect(newest).to_be_in_viewport()
    composer = page.locator("#message-form textarea")
    expect(composer).to_be_in_viewport(ratio=1)
    expect(page.locator("#message-form button[type=submit]")).to_be_in_viewport(ratio=1)
    expect(composer).to_be_focused()
    if javascript and size == "desktop":
        # "Earlier messages" loads older ones above, and what you were reading stays in view (the container
        # keeps its distance from the bottom: only the link's own place above it changes)
        mark_document(page)
        page.locator("#earlier-messages").scroll_into_view_if_needed()
        first_id = page.locator("#message-log article").first.get_attribute("id")
        reading = page.locator(f"#{first_id}")
        top = reading.bounding_box()["y"]
        page.click("#earlier-messages")
        expect(page.locator("#message-log article")).to_have_count(30)
        expect(reading).to_be_in_viewport()
        assert abs(reading.bounding_box()["y"] - top) < 2, (top, reading.bounding_box())
        assert same_document(page)


def _sign_in_plain(page, username):
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct horse battery")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/(index)?$"))


def test_one_reacts_edits_unsends_and_reads_and_the_other_sees_it_live(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    live_server.message("alice", "bob", "Lunch at noon?")
    alice, bob = new_context().new_page(), new_context().new_page()
    for page, name in ((alice, "alice"), (bob, "bob")):
        page.clock.install()  # the thread's `every 3s` never fires: push alone brings each change
        sign_in_with_stream(page, name)
    alice.goto("/messages/bob")
    expect(alice.locator("#thread-seen")).to_have_text("")
    mark_document(alice)
    bob.goto("/messages/alice")  # bob reads it
    expect(alice.locator("#thread-seen")).to_contain_text("Seen")  # live, from bob's read
    mark_document(bob)

    # bob reacts to alice's message: alice's copy shows the count
    first = bob.locator("#message-log article").first
    first.locator(".message-actions-link").click()  # the actions load in place, the keyboard on the first
    expect(first.get_by_role("button", name="Like")).to_be_focused()
    first.get_by_role("button", name="Like").click()
    expect(first.locator(".message-reactions")).to_contain_text("1")
    expect(alice.locator("#message-log article").first.locator(".message-reactions")).to_contain_text("1")

    # alice edits it: bob sees the new text, marked edited
    mine = alice.locator("#message-log article").first
    mine.locator(".message-actions-link").click()
    mine.get_by_role("link", name="Edit").click()
    alice.fill("#message-log article textarea[name=message]", "Lunch at one?")
    alice.click("#message-log article button[type=submit]")
    expect(alice.locator("#message-log article").first).to_contain_text("edited")
    expect(bob.locator("#message-log article").first).to_contain_text("Lunch at one?")
    expect(bob.locator("#message-log article").first.locator(".message-edited")).to_be_visible()
    alice.locator("#message-log article").first.locator(".message-reactions").scroll_into_view_if_needed()
    screenshot(alice, "messages-bob", caret="initial")  # the README's picture: a reaction, "edited", "Seen"

    # alice sends another and unsends it before bob looks: both see "This message was deleted"
    alice.fill("#message-form textarea[name=message]", "oops, wrong chat")
    alice.click("#message-form button[type=submit]")
    expect(bob.locator("#message-log article").last).to_contain_text("oops, wrong chat")
    last = alice.locator("#message-log article").last
    last.locator(".message-actions-link").click()
    last.get_by_role("button", name="Unsend").click()
    expect(alice.locator("#message-log article").last).to_contain_text("This message was deleted")
    expect(bob.locator("#message-log article").last).to_contain_text("This message was deleted")
    assert "oops, wrong chat" not in bob.locator("#message-log").inner_text()
    assert same_document(alice) and same_document(bob)


def test_the_conversation_list_follows_each_change_and_adds_up_to_the_badge(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    live_server.user("carol")
    live_server.message("bob", "alice", "first from bob")
    alice, bob = new_context().new_page(), new_context().new_page()
    alice.clock.install()  # the list's `every 10s` never fires: push moves it
    sign_in_with_stream(alice, "alice")
    sign_in(bob, "bob")
    alice.goto("/messages")
    mark_document(alice)
    rows = alice.locator("#conversation-list li")
    expect(rows).to_have_count(1)
    bob.goto("/messages/alice")
    bob.fill("#message-form textarea[name=message]", "second from bob")
    bob.click("#message-form button[type=submit]")
    expect(rows.first).to_contain_text("second from bob")
    expect(rows.first).to_contain_text("2 unread messages")
    expect(alice.locator("#message-count .badge")).to_have_text("2")
    live_server.message("carol", "alice", "hello from carol")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("hello from carol")
    expect(alice.locator("#message-count .badge")).to_have_text("3")
    # bob unsends his unread message: preview, row count and badge follow at once
    last = bob.locator("#message-log article").last
    last.locator(".message-actions-link").click()
    last.get_by_role("button", name="Unsend").click()
    bobs_row = alice.locator("#conversation-list li", has_text="bob")
    expect(bobs_row).to_contain_text("This message was deleted")
    expect(bobs_row).to_contain_text("1 unread message")
    expect(alice.locator("#message-count .badge")).to_have_text("2")
    screenshot(alice, "messages")
    assert same_document(alice)


def test_mute_and_a_delete_that_asks_first(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    live_server.message("bob", "alice", "hi")
    page = new_context().new_page()
    sign_in(page, "alice")
    page.goto("/messages/bob")
    page.locator("#conversation-controls summary").click()
    page.click("#mute-form button")
    expect(page.locator("#mute-form button")).to_have_text("Unmute")
    page.goto("/messages")  # (an open thread would read the next message at once)
    live_server.message("bob", "alice", "while muted")
    row = page.locator("#conversation-list li").first
    expect(row).to_contain_text("while muted")  # the list follows; the badge does not
    expect(row).to_contain_text("muted")
    expect(row.locator(".conversation-muted-count")).to_have_text("1")
    expect(page.locator("#message-count .badge")).to_be_hidden()
    # Delete asks first: dismissed, nothing happens; accepted, the row goes
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name=re.compile("Delete")).click()
    expect(row).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("Delete")).click()
    expect(page.locator("#conversation-list li")).to_have_count(0)


def test_delete_without_javascript_asks_on_a_page(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    live_server.message("bob", "alice", "hi")
    page = new_context(java_script_enabled=False).new_page()
    _sign_in_plain(page, "alice")
    page.goto("/messages")
    page.locator("#conversation-list li").first.get_by_role("button", name=re.compile("Delete")).click()
    expect(page.locator("h1")).to_have_text("Delete the conversation with bob?")
    page.click("#confirm-delete-form button[type=submit]")
    expect(page.locator("#conversation-list")).to_contain_text("No conversations yet.")


@pytest.mark.parametrize("javascript", [True, False])
def test_new_message_finds_people_and_says_who_cannot_be_messaged(live_server, new_context, javascript):
    live_server.user("alice")
    live_server.user("bob")
    live_server.user("bobby")
    with live_server.app.app_context():
        from microblog.extensions import db
        from microblog.users.models import User

        User.by_username("bobby").message_policy = "following"
        db.session.commit()
    page = new_context(java_script_enabled=javascript).new_page()
    sign_in(page, "alice") if javascript else _sign_in_plain(page, "alice")
    page.goto("/messages")
    expect(page.locator("#new-message-empty")).to_be_visible()
    page.click("#new-message")
    if javascript:
        mark_document(page)
        page.locator("#people-q").press_sequentially("bo", delay=50)  # search as you type
    else:
        page.fill("#people-q", "bo")
        page.click("#people-form button[type=submit]")
    expect(page.locator("#person-bobby .person-refused")).to_contain_text(
        "accepts messages only from people they follow"
    )
    expect(page.locator("#person-bobby a")).to_have_count(0)
    if javascript:
        assert same_document(page)
    page.click("#person-bob a")
    expect(page).to_have_url(re.compile(r"/messages/bob$"))
    expect(page.locator("#message-form textarea")).to_be_focused()
