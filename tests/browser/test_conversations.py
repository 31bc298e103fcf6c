"""Conversations in real browsers: two people in one thread, each reply appearing in the other's open
thread without a reload (the poll, on a fake clock), and "Earlier messages" loading in place."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import mark_document, same_document, sign_in

THREAD_POLL_MS = 3_000  # the thread's `every 3s`


def poll_thread(page):
    """Let the open thread's timer fire (on the page's fake clock) and return the poll's response."""
    with page.expect_response(lambda r: "after=" in r.url) as answer:
        page.clock.run_for(THREAD_POLL_MS)
    return answer.value


def reply(page, text):
    page.fill("#message-form textarea[name=message]", text)
    with page.expect_response(re.compile(r"/messages/\w+$")) as answer:
        page.click("#message-form button[type=submit]")
    assert answer.value.status == 200


def test_two_browsers_in_one_conversation_see_each_reply_without_a_reload(live_server, new_context):
    """By polling alone, as with SSE_ENABLED=0: with push on, the stream's event may fetch the reply before
    the timer does, and the poll this test waits for would rightly find nothing new (tests/browser/test_push.py
    covers push)."""
    live_server.app.config["SSE_ENABLED"] = False
    live_server.user("alice")
    live_server.user("bob")
    alice, bob = new_context().new_page(), new_context().new_page()
    for page, name, other in ((alice, "alice", "bob"), (bob, "bob", "alice")):
        page.clock.install()
        sign_in(page, name)
        page.goto(f"/messages/{other}")
        expect(page.locator("[sse-connect]")).to_have_count(0)
        mark_document(page)

    # Nothing new: the poll answers 204 and nothing moves.
    assert poll_thread(bob).status == 204
    expect(bob.locator("#message-log article")).to_have_count(0)

    reply(alice, "Hi Bob, lunch?")
    expect(alice.locator("#message-log article.message-mine")).to_have_text(re.compile("Hi Bob, lunch?"))
    response = poll_thread(bob)
    assert response.status == 200
    expect(bob.locator("#message-log article.message-theirs")).to_contain_text("Hi Bob, lunch?")
    # It was shown, so it is read: the badge (out-of-band) stays at nothing.
    expect(bob.locator("#message-count .badge")).to_be_hidden()

    reply(bob, "Yes! Noon?")
    assert poll_thread(alice).status == 200
    expect(alice.locator("#message-log article")).to_have_count(2)
    expect(alice.locator("#message-log article").last).to_contain_text("Yes! Noon?")
    expect(alice.locator("#message-log article").last).to_have_class(re.compile("message-theirs"))
    # The poller came back with a new cursor and keeps going: the next poll finds nothing new.
    expect(alice.locator("#thread-poller")).to_have_attribute("hx-get", re.compile(r"after=\d+&v=\d+$"))
    assert poll_thread(alice).status == 204
    expect(alice.locator("#message-log article")).to_have_count(2)
    assert same_document(alice) and same_document(bob)


def test_earlier_messages_load_in_place_above(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    live_server.app.config["THREAD_MESSAGES_PER_PAGE"] = 3
    for n in range(1, 8):
        live_server.message("bob", "alice", f"note {n}")
    page = new_context().new_page()
    sign_in(page, "alice")
    page.goto("/messages/bob")
    bodies = lambda: page.locator("#message-log article .body-text").all_inner_texts()  # noqa: E731
    assert bodies() == ["note 5", "note 6", "note 7"]
    mark_document(page)
    page.click("#earlier-messages")
    expect(page.locator("#message-log article")).to_have_count(6)
    assert bodies() == [f"note {n}" for n in range(2, 8)]
    page.click("#earlier-messages")
    expect(page.locator("#message-log article")).to_have_count(7)
    expect(page.locator("#earlier-messages")).to_have_count(0)
    assert same_document(page) and page.url.endswith("/messages/bob")
