"""The strict Content-Security-Policy as the browser enforces it."""

from __future__ import annotations

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
    page.wait_for_timeout(200)
    found, watch.known = watch.known, []
    assert not found, "\n".join(found)
