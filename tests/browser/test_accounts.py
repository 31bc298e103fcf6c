"""Accounts in a real browser (SPEC S19): registering signs in, the settings area, two-factor sign-in with
a code computed from the secret the page shows, a recovery code, and deleting the account."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import expect

from .conftest import HOME, sign_in
from .test_accessibility import axe_violations

PASSWORD = "a long enough password"


def next_code(secret: str) -> str:
    """The authenticator's code for the next time step: the current one was used to turn 2FA on, and a
    code is never accepted twice (the server accepts one step either side)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + 1)


def signs_out(page):
    page.click("nav form[action='/auth/logout'] button")
    expect(page.locator("#flashes")).to_contain_text("You have signed out")


def signs_in_with_a_second_step(page, code: str):
    page.goto("/auth/login")
    page.fill("input[name=username]", "zoe")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/auth/login/code$"))
    page.fill("#login-code-form input[name=code]", code)
    page.click("#login-code-form button[type=submit]")
    page.wait_for_url(HOME)
    expect(page.locator("main")).to_contain_text("Hi, zoe!")


def test_register_turn_on_two_factor_sign_in_with_codes_and_delete_the_account(live_server, new_context):
    page = new_context().new_page()
    page.goto("/auth/register")
    page.fill("input[name=username]", "zoe")
    page.fill("input[name=email]", "zoe@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("#register-form button[type=submit]")
    page.wait_for_url(HOME)  # registering signed zoe in
    expect(page.locator("#verify-banner")).to_contain_text("zoe@example.com")
    page.click("#verify-dismiss-form button")
    expect(page.locator("#verify-banner")).to_have_count(0)

    # Settings from the navbar; the section nav swaps sections in place and pushes their URLs.
    page.click("nav[aria-label=Main] >> text=Settings")
    page.wait_for_url(re.compile(r"/settings/profile$"))
    page.click("#settings-link-two_factor")
    page.wait_for_url(re.compile(r"/settings/two-factor$"))
    expect(page.locator("#settings-link-two_factor")).to_have_attribute("aria-current", "page")
    expect(page.locator("#totp-qr")).to_be_visible()
    assert page.evaluate("document.getElementById('totp-qr').naturalWidth") > 0  # the CSP let the SVG load
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.fill("#enable-2fa-form input[name=code]", totp.now())
    page.click("#enable-2fa-form button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    codes = [c.strip() for c in page.locator("#recovery-codes li").all_inner_texts()]

    signs_out(page)
    signs_in_with_a_second_step(page, next_code(secret))
    signs_out(page)
    signs_in_with_a_second_step(page, codes[0])  # a recovery code

    # Delete the account: the password and a code; htmx asks first.
    page.goto("/settings/delete")
    page.fill("#delete-account-form input[name=password]", PASSWORD)
    page.fill("#delete-account-form input[name=code]", codes[1])
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-account-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Your account has been deleted")
    page.goto("/index")
    page.wait_for_url(re.compile(r"/auth/login"))  # signed out
    page.fill("input[name=username]", "zoe")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#password-error")).to_contain_text("Invalid username or password")


def test_the_banner_and_the_two_factor_section_have_no_serious_axe_violations(live_server, new_context):
    live_server.user("old", verified=False)
    # As test_accessibility.py does: only this context bypasses the CSP, for axe's inline script.
    page = new_context(bypass_csp=True).new_page()
    sign_in(page, "old")
    expect(page.locator("#verify-banner")).to_be_visible()
    assert axe_violations(page) == []
    page.goto("/settings/two-factor")
    expect(page.locator("#totp-qr")).to_be_visible()
    assert axe_violations(page) == []
