"""Accessibility: axe-core on the main pages in English and Spanish, the badge's live region, the
send-message flow by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import AXE, POLL_MS, screenshot, sign_in

ANONYMOUS_PAGES = ["/auth/login", "/auth/register", "/auth/reset_password_request"]
PAGES = [
    "/",
    "/explore",
    "/user/alice",
    "/user/bob",
    "/messages",
    "/messages/carol",
    "/messages/bob",
    "/settings/profile",
    "/settings/privacy",
    "/settings/account",
    "/settings/two-factor",
    "/settings/delete",
    "/search?q=post",
    "/search",
    "/activity",
]

# The app's CSP (script-src 'self') blocks the inline <script> add_script_tag makes, so this context
# alone bypasses it (test_csp.py checks the CSP itself).
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact} ${v.id}: ${v.help} -> ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}"""


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN)


@pytest.fixture
def people(live_server):
    for name in ("alice", "bob", "carol"):
        live_server.user(name, about_me=f"I am {name}.")
    live_server.posts("alice", ["Hello from Alice", "Second post"])
    live_server.posts("bob", ["Bob's post"])
    for n in range(4):
        live_server.message("bob", "alice", f"Message {n} from Bob")
    live_server.message("alice", "bob", "Reply from Alice")
    live_server.message("carol", "alice", "Hola, " + "una frase larga para la vista previa " * 3)


@pytest.mark.parametrize("locale, lang", [("en-US", "en"), ("es-ES", "es")])
def test_main_pages_have_no_serious_axe_violations(live_server, new_context, people, locale, lang):
    page = new_context(locale=locale, bypass_csp=True).new_page()
    found = {}
    for path in ANONYMOUS_PAGES:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        found[path] = axe_violations(page)
    sign_in(page, "alice")
    expect(page.locator("#message-count .badge")).to_have_text("5")
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        # Still signed in: not bounced to the sign-in page (whose 200 would pass the check above).
        assert response.request.redirected_from is None and "/auth/login" not in page.url, (path, page.url)
        expect(page.locator('form[action="/auth/logout"]')).to_have_count(1)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        found[path] = axe_violations(page)
        if lang == "en" and path in ("/", "/explore", "/messages", "/user/bob", "/messages/bob"):
            name = {"/": "home"}.get(path, path.strip("/").replace("/", "-"))
            screenshot(page, name, full_page=True)
    # axe really runs: an image without a text alternative is reported.
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert any("image-alt" in v for v in page.evaluate(AXE_RUN))
    bad = {path: v for path, v in found.items() if v}
    assert not bad, "serious or critical axe violations:\n" + "\n".join(f"{p}: {v}" for p, v in bad.items())
    assert len(found) == len(ANONYMOUS_PAGES) + len(PAGES)


def test_badge_live_region_announces_the_new_count(live_server, new_context):
    live_server.user("alice")
    live_server.user("bob")
    page = new_context().new_page()
    page.clock.install()
    sign_in(page, "bob")
    live = page.locator("#message-status[role=status]")
    expect(live).to_have_count(1)
    # The region itself stays: htmx swaps the badge inside it, so the change is announced.
    live.evaluate("e => { e.dataset.original = 'yes' }")
    assert "unread" not in live.inner_text()  # nothing to announce at 0
    live_server.message("alice", "bob", "one")
    live_server.message("alice", "bob", "two")
    with page.expect_response("**/notifications/badge*"):
        page.clock.run_for(POLL_MS)
    expect(live).to_contain_text("2 unread messages")
    expect(live).to_have_attribute("data-original", "yes")
    # The number itself is aria-hidden: screen readers hear the sentence once, not "2" then the sentence.
    expect(live.locator(".badge")).to_have_attribute("aria-hidden", "true")


def focus_by_tab(page, selector: str, limit: int = 40):
    """Press Tab until `selector` has the focus (fails if it never gets it)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"{selector} never got the keyboard focus in {limit} Tab presses")


def test_conversation_flow_by_keyboard_alone(live_server, alice_on_bobs_profile):
    page = alice_on_bobs_profile
    focus_by_tab(page, "#send-message-link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/messages/bob")

    # Empty first: the error is announced beside the field, and the field points at it.
    focus_by_tab(page, "#message-form textarea[name=message]")
    focus_by_tab(page, "#message-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#message-error")).to_be_visible()
    textarea = page.locator("#message-form textarea[name=message]")
    expect(textarea).to_have_attribute("aria-describedby", "message-hint message-error")

    page.goto("/messages/bob")
    focus_by_tab(page, "#message-form textarea[name=message]")
    page.keyboard.type("Typed with the keyboard")
    page.keyboard.press("Tab")
    expect(page.locator("#message-form button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#message-log[role=log]")).to_contain_text("Typed with the keyboard")
    # The form comes back empty with the focus in it: the next message can be typed at once.
    expect(page.locator("#message-form textarea[name=message]")).to_have_value("")
    expect(page.locator("#message-form textarea[name=message]")).to_be_focused()
    page.keyboard.type("And a second one")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#message-log")).to_contain_text("And a second one")
    assert live_server.message_count() == 2

    # The way to all conversations is reachable too, and from there back into this one.
    focus_by_tab(page, "main a[href='/messages']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/messages")
    focus_by_tab(page, "#conversation-list a[href='/messages/bob']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/messages/bob")
