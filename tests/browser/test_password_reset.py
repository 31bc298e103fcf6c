"""Password reset in a real browser (SPEC S15): through the emailed link, back to signing in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from microblog.mail import mail
from tests.smtp import smtp_server
from tests.auth.test_password_reset import Inbox, parts

from .conftest import sign_in

NEW_PASSWORD = "a brand new secret"


@pytest.fixture
def smtp(live_server):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        live_server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
        mail.init_app(live_server.app)  # Flask-Mailman reads its settings when bound
        yield inbox


def test_reset_a_forgotten_password_through_the_emailed_link(live_server, new_context, smtp):
    live_server.user("alice")
    page = new_context().new_page()
    page.goto("/auth/login")
    page.click("#forgot-password")
    page.fill("input[name=email]", "alice@example.com")
    page.click("#reset-request-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("If an account uses this address")
    link = re.search(r"http://[^/\s]+(/auth/reset_password/\S+)", parts(smtp.only())["text/plain"]).group(1)
    page.goto(link)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("#reset-password-form button[type=submit]")
    expect(page.locator("#flashes")).to_contain_text("Your password has been reset")
    sign_in(page, "alice", NEW_PASSWORD)
    page.goto(link)  # the link worked once
    expect(page).to_have_url(re.compile(r"/index$|/$"))
