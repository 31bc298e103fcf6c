"""The count in the tab's title follows the badge in a real browser (SPEC S18): by poll (the page's fake
clock jumps over the 10 s timer), by push, and after reading; in Spanish too. No script of ours: htmx
takes the <title> at the top of the badge's answer."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import POLL_MS, mark_document, same_document, sign_in


def test_the_title_counts_unread_messages_by_poll_and_drops_after_reading(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    page = new_context().new_page()
    page.clock.install()
    sign_in(page, "alice")
    page.goto("/explore")
    expect(page).to_have_title("Explore · Microblog")
    mark_document(page)

    live_server.message("bob", "alice", "one")
    live_server.message("bob", "alice", "two")
    with page.expect_response(lambda r: "/notifications/badge" in r.url):  # push may have refetched first:
        page.clock.run_for(POLL_MS)  # then this poll is a 204 and the title already follows
    expect(page.locator("#message-count .badge")).to_have_text("2")
    expect(page).to_have_title("(2) Explore · Microblog")
    assert same_document(page), "the title must change without a page load"

    page.click("a[href='/messages']")
    page.wait_for_url("**/messages")
    expect(page).to_have_title("(2) Messages · Microblog")
    page.click("#conversation-list a[href='/messages/bob']")
    page.wait_for_url("**/messages/bob")
    expect(page.locator("#message-count .badge")).to_be_hidden()
    expect(page).to_have_title("Conversation with bob · Microblog")


def test_the_title_follows_a_push_in_spanish(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    page = new_context(locale="es-ES").new_page()
    sign_in(page, "alice")
    expect(page).to_have_title("Inicio · Microblog")
    live_server.message("bob", "alice", "hola")
    expect(page.locator("#message-count .badge")).to_have_text("1", timeout=8_000)
    expect(page).to_have_title("(1) Inicio · Microblog")
