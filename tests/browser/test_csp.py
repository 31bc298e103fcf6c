"""The strict Content-Security-Policy as the browser enforces it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import sign_in


def test_the_watch_sees_a_csp_violation(live_server, new_context, watch):
    """The console watch every browser test relies on really catches what the CSP blocks."""
    page = new_context().new_page()
    response = page.goto("/auth/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__inlineRan = true'; document.head.append(s); }""")
    page.wait_for_timeout(100)
    assert page.evaluate("window.__inlineRan") is None, "an inline script ran despite the CSP"
    assert any("Content Security Policy" in p for p in watch.problems), watch.problems
    watch.problems.clear()


def test_invalid_field_icon_respects_the_csp(live_server, new_context, watch):
    live_server.user("alice")
    page = new_context().new_page()
    sign_in(page, "alice")
    page.fill("#post-form textarea[name=post]", "")
    page.click("#post-form button[type=submit]")
    expect(page.locator("#post-error")).to_be_visible()
    # Bootstrap draws the invalid-field mark as a data: image, which `img-src 'self' data:` allows.
    icon = page.eval_on_selector("#post-form textarea[name=post]", "e => getComputedStyle(e).backgroundImage")
    assert icon.startswith('url("data:image/svg+xml'), icon
    page.wait_for_timeout(200)
    blocked = [p for p in watch.problems if "Content Security Policy" in p]
    assert not blocked, "\n".join(blocked)


HISTORY = "sessionStorage.getItem('htmx-history-cache') || ''"


def test_private_messages_never_enter_htmx_history_and_sign_out_clears_storage(live_server, new_context):
    """htmx 2 keeps pages it navigates away from in sessionStorage; private pages must never land there,
    and after signing out nothing of the account is readable in the tab."""
    live_server.user("bob")
    for n in range(1, 6):  # five conversations, three to a page: the list has a second page
        live_server.user(f"friend{n}")
        live_server.message(f"friend{n}", "bob", f"secret {n}")
    page = new_context().new_page()
    sign_in(page, "bob")
    page.goto("/messages")
    page.evaluate("sessionStorage.setItem('left-by-the-page', 'x')")
    page.locator("#conversation-list a[rel=next]").click()  # htmx paging with hx-push-url: a history entry
    expect(page).to_have_url(re.compile(r"/messages\?page=2$"))
    expect(page.locator("#conversation-list")).to_contain_text("secret 1")
    assert "secret" not in page.evaluate(HISTORY)
    page.go_back()  # restored from the server, not from a stored copy
    expect(page.locator("#conversation-list")).to_contain_text("secret 5")
    assert "secret" not in page.evaluate(HISTORY)
    page.click("nav form[action='/auth/logout'] button")
    expect(page.locator("#flashes")).to_contain_text("You have signed out.")
    # Clear-Site-Data: "storage" emptied it; the new page's htmx notes only where it is now.
    assert page.evaluate("Object.keys(sessionStorage)") in ([], ["htmx-current-path-for-history"])
    assert "secret" not in page.evaluate("JSON.stringify(sessionStorage)")
    page.go_back()
    page.wait_for_load_state()
    assert "secret" not in page.content()
