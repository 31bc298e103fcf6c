"""The navbar's counts (issue 19 item 2): the loader puts a frozen `Counts` on `g`, not on the user; the
navbar partial, the badge's poll and the loader's one statement are driven by `Counts`' fields, so a third
navbar count is one more field (shown here with a made-up "drafts" count)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from bs4 import BeautifulSoup
from flask import g, render_template
from jinja2 import ChoiceLoader, DictLoader

from microblog.unread.counts import Counts, count
from microblog.unread.loader import load_user_with_counts, with_counts
from microblog.users.models import User
from tests.conftest import send
from tests.html import by_id, fragment, page, text

DRAFTS_BADGE = '<span id="draft-count">{{ count }} drafts</span>'


@dataclasses.dataclass(frozen=True)
class WithDrafts(Counts):
    """The one change a third navbar count needs (with its badge partial)."""

    drafts: int = count(
        "unread_draft_count", link="posts.explore", label="Drafts", badge="drafts_badge.html", status="draft-status"
    )


@pytest.fixture
def drafts_badge(app):
    """The third count's badge partial, as a template the app can include."""
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"drafts_badge.html": DRAFTS_BADGE}), original])
    yield
    app.jinja_env.loader = original


def navbar(app, counts, endpoint="posts.index") -> BeautifulSoup:
    with app.test_request_context("/index"):
        html = render_template("partials/shared/navbar_counts.html", counts=counts, endpoint=endpoint)
    return BeautifulSoup(html, "html.parser")


def test_the_navbar_partial_shows_every_field_of_counts_in_order(app):
    soup = navbar(app, Counts(messages=3, activity=120), endpoint="activity.activity")
    items = soup.select("#navbar-counts > li")
    assert [text(li.find("a")).split()[0] for li in items] == ["Messages", "Activity"]
    assert [li.find(role="status")["id"] for li in items] == ["message-status", "activity-status"]
    assert "3 unread messages" in text(by_id(soup, "message-count"))
    assert "120 new activities" in text(by_id(soup, "activity-count"))
    assert [a["href"] for a in soup.find_all(attrs={"aria-current": "page"})] == ["/activity"]
    # The message badge's one poll sends back every other count it shows (SPEC S14).
    assert json.loads(by_id(soup, "message-count")["hx-vals"]) == {"shown": "3", "activity": "120"}


def test_a_third_count_is_one_field_the_navbar_the_poll_and_the_loader_follow(app, drafts_badge):
    counts = WithDrafts(messages=2, activity=0, drafts=5)
    soup = navbar(app, counts)
    items = soup.select("#navbar-counts > li")
    assert [li.find(role="status")["id"] for li in items] == ["message-status", "activity-status", "draft-status"]
    third = items[2].find("a")
    assert third["href"] == "/explore" and text(third).startswith("Drafts")
    assert text(by_id(soup, "draft-count")) == "5 drafts"
    assert json.loads(by_id(soup, "message-count")["hx-vals"]) == {"shown": "2", "activity": "0", "drafts": "5"}
    # The badge's poll compares it (absent: a page from before the count existed, not compared).
    assert counts.shown({"shown": "2", "activity": "0", "drafts": "5"})
    assert not counts.shown({"shown": "2", "activity": "0", "drafts": "4"})
    assert counts.shown({"shown": "2", "activity": "0"}) and not counts.shown({"activity": "0", "drafts": "5"})
    # The loader's and the badge's one statement join its stored notification too.
    joins = str(with_counts(User.session_token, counts=WithDrafts)).count("LEFT OUTER JOIN notification")
    assert joins == 3 == len(WithDrafts.stored())
    assert str(with_counts(User.session_token)).count("LEFT OUTER JOIN notification") == 2


def test_the_loader_puts_the_counts_on_g_not_on_the_user(app, alice, bob):
    send(bob, alice, "one"), send(bob, alice, "two")
    user = load_user_with_counts(alice.id, alice.session_token)
    assert user.id == alice.id and g.counts == Counts(messages=2, activity=0) and g.counts_user_id == alice.id
    assert not hasattr(user, "unread_count") and not hasattr(user, "activity_count")
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.counts.messages = 0
    assert load_user_with_counts(alice.id, "not-the-token") is None


def test_a_page_shows_the_counts_the_loader_read(signed_in, alice, bob):
    as_alice = signed_in("alice").client  # its test client: this test sends requests by hand
    send(bob, alice, "hi")
    soup = page(as_alice.get("/index"))
    assert "1 unread message" in text(by_id(soup, "message-count"))
    shown = json.loads(by_id(soup, "message-count")["hx-vals"])
    assert shown == {"shown": "1", "activity": "0", "title": "Home"}
    # What the page sends back is what the badge's poll compares: nothing changed, 204.
    assert as_alice.get("/notifications/badge", query_string=shown).status_code == 204
    send(bob, alice, "again")
    changed = fragment(as_alice.get("/notifications/badge", query_string=shown))
    assert "2 unread messages" in text(by_id(changed, "message-count"))
    assert by_id(changed, "activity-count")["hx-swap-oob"] == "true"
