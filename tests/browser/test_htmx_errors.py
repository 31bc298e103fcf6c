"""Where htmx shows an error: a button whose request fails paints the error in #error-region (base.html),
once, and leaves what it aimed at as it was."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy.exc import OperationalError

from microblog.users.relations import Block
from microblog.extensions import db
from microblog.users.models import User
from tests.browser.conftest import mark_document, same_document


def expected_failure(page, watch, status: int, times: int = 2):
    """The failures the test provoked are not problems: Chromium and htmx log each one (on the console,
    which reports asynchronously: wait for all of them), and the watch records them."""
    logged = (f"status of {status}", f"Error Code {status} ")
    for _ in range(100):
        if all(sum(mark in p for p in watch.problems) >= times for mark in logged):
            break
        page.wait_for_timeout(50)
    watch.problems = [
        p
        for p in watch.problems
        if not any(mark in p for mark in logged) and not p.startswith(f"server error: {status} ")
    ]


def click_follow_and_see_error(page, message: str):
    mark_document(page)
    page.click("#follow-button")
    region = page.locator("#error-region")
    expect(region.locator("#error")).to_contain_text(message)
    expect(page.locator("#follow-button")).to_have_text("Follow")  # the button was not replaced
    page.click("#follow-button")  # a second failure replaces the first, it does not pile up
    expect(region.locator("#error")).to_have_count(1)
    assert same_document(page) and page.url.endswith("/user/bob")


def test_a_refused_click_shows_its_403_in_the_error_region(live_server, alice_on_bobs_profile, watch):
    with live_server.app.app_context():
        alice, bob = User.by_username("alice"), User.by_username("bob")
        db.session.add(Block(blocker_id=bob.id, blocked_id=alice.id))
        db.session.commit()
    click_follow_and_see_error(alice_on_bobs_profile, "You can't follow this user.")
    expected_failure(alice_on_bobs_profile, watch, 403)
    # Bob unblocks her: the next click works, and the error goes with it (the region stays, empty).
    with live_server.app.app_context():
        db.session.query(Block).delete()
        db.session.commit()
    alice_on_bobs_profile.click("#follow-button")
    expect(alice_on_bobs_profile.locator("#follow-button")).to_have_text("Unfollow")
    expect(alice_on_bobs_profile.locator("#error-region #error")).to_have_count(0)
    expect(alice_on_bobs_profile.locator("#error-region")).to_have_attribute("aria-live", "assertive")
    assert same_document(alice_on_bobs_profile)


def test_a_click_during_an_outage_shows_its_503_in_the_error_region(alice_on_bobs_profile, watch, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("microblog.unread.locks.lock_users", down)  # the follow takes its lock
    click_follow_and_see_error(alice_on_bobs_profile, "Temporarily unavailable")
    expected_failure(alice_on_bobs_profile, watch, 503)
    assert re.search(r"briefly unavailable", alice_on_bobs_profile.locator("#error-region").inner_text())
