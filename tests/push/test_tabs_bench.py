"""`make bench-tabs` (bench/tabs.py) drives the app the way its pages say: these check, on real pages with
CSRF on, that what the bench reads from a page (the badge's hx-get/hx-vals/hx-trigger, the stream's URL, the
message form) makes the requests a browser would make, and that its table and targets say what was measured.
The timing itself is the benchmark's job, not a test's."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from bench.tab import Stats, parse_badge, parse_form, parse_stream, tag_attributes
from bench.tabs import report, split
from microblog.extensions import db
from microblog.messages.models import Message
from tests.conftest import make_user, send
from tests.html import actor

HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice_page(csrf_app):
    """alice, with two unread messages from bob, signed in with CSRF on; her home page's HTML."""
    alice, bob = make_user("alice"), make_user("bob")
    send(bob, alice, "one")
    send(bob, alice, "two")
    client = csrf_app.test_client()
    assert actor(client, "alice").signs_in().status == 303
    response = client.get("/index")
    assert response.status_code == 200
    return client, response.get_data(as_text=True), bob, alice


def test_the_badge_read_from_a_page_polls_as_the_page_does(csrf_app, alice_page):
    client, html, bob, alice = alice_page
    badge = parse_badge(html)
    assert badge is not None
    assert badge.url == "/notifications/badge"
    assert badge.vals["shown"] == "2"
    assert badge.period == csrf_app.config["BADGE_POLL_SECONDS"]
    assert badge.on_event  # hx-trigger names sse:unread: a tab polls on each `unread` event
    # Nothing new: the poll the bench builds from the page's hx-vals is answered 204, as the page's own is.
    assert client.get(badge.poll_path(), headers=HTMX).status_code == 204
    send(bob, alice, "three")
    news = client.get(badge.poll_path(), headers=HTMX)
    assert news.status_code == 200
    again = parse_badge(news.get_data(as_text=True))  # the answer's badge carries the next hx-vals
    assert again is not None and again.vals["shown"] == "3"
    assert client.get(again.poll_path(), headers=HTMX).status_code == 204


def test_the_stream_url_is_the_pages_own(alice_page):
    _, html, _, _ = alice_page
    url = parse_stream(html)
    assert url is not None
    parts = urlsplit(url)
    assert parts.path == "/events"
    assert parse_qs(parts.query)["shown"] == ["2"]  # so a fresh page's stream sends no `unread` at connect


def test_a_signed_out_page_gives_the_bench_nothing_to_poll(csrf_app):
    html = csrf_app.test_client().get("/auth/login").get_data(as_text=True)
    assert parse_badge(html) is None
    assert parse_stream(html) is None


def test_a_send_goes_through_the_real_form_with_its_csrf_token(csrf_app, alice_page):
    client, _, bob, _ = alice_page
    thread = client.get("/messages/bob")
    form = parse_form(thread.get_data(as_text=True))
    assert form is not None
    action, token = form
    assert action == "/messages/bob"
    answer = client.post(action, data={"csrf_token": token, "message": "tab bench 1"}, headers=HTMX)
    assert answer.status_code == 200
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Message.body == "tab bench 1", Message.recipient_id == bob.id)
        )
        == 1
    )
    # Without the token the same post is refused and stores nothing: the bench's sends really carry it.
    refused = client.post(action, data={"message": "tab bench 2"}, headers=HTMX)
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).where(Message.body == "tab bench 2")) == 0


def test_tag_attributes_reads_one_tag_whatever_the_attribute_order():
    html = '<p>x</p><span hx-vals=\'{"shown": "4", "title": "It\\u0027s &quot;here&quot;"}\' id="c" hx-get="/b">'
    attrs = tag_attributes(html, "c")
    assert attrs == {"hx-vals": '{"shown": "4", "title": "It\\u0027s "here""}', "id": "c", "hx-get": "/b"}
    assert tag_attributes(html, "missing") is None


def test_split_keeps_each_users_tabs_in_one_process():
    parts = split(["u1", "u2", "u3"], 10, 2)
    assert parts == [{"u1": 4, "u3": 3}, {"u2": 3}]
    assert sum(n for part in parts for n in part.values()) == 10
    assert split(["u1", "u2", "u3"], 2, 2) == [{"u1": 1}, {"u2": 1}]  # fewer tabs than users


def result(**changes) -> dict:
    row = {
        "tabs": 1000,
        "users": 100,
        "streams_opened": 1000,
        "open_seconds": 2.0,
        "kib_per_stream": 18.5,
        "rss_mib_before": 150.0,
        "rss_mib_after": 168.1,
        "polls_per_second": 100.0,
        "pages_per_second": 16.7,
        "events": 40,
        "sends": 4,
        "event_p50_ms": 10.0,
        "event_p99_ms": 80.0,
        "poll_p50_ms": 5.0,
        "poll_p99_ms": 50.0,
        "page_p50_ms": 20.0,
        "page_p99_ms": 120.0,
        "send_p99_ms": 60.0,
        "errors": 0,
        "error_kinds": {},
        "server_cores": 0.4,
        "client_cores": 0.1,
    }
    return {**row, **changes}


def test_the_report_states_each_measure_and_each_target():
    text = report({"sqlite": [result(), result(tabs=5000, poll_p99_ms=140.0, errors=3, error_kinds={"poll: 503": 3})]})
    lines = text.splitlines()
    assert lines[0] == "| measure | sqlite 1,000 tabs | sqlite 5,000 tabs |"
    assert "| memory per stream (KiB) | 18.5 | 18.5 |" in lines
    assert "| server CPU (cores) | 0.4 | 0.4 |" in lines
    assert "| load generator CPU (cores) | 0.1 | 0.1 |" in lines
    assert "PASS sqlite 1,000 tabs: poll_p99_ms 50.0 (<= 100)" in lines
    assert "PASS sqlite 1,000 tabs: errors 0 (<= 0)" in lines
    assert "FAIL sqlite 5,000 tabs: poll_p99_ms 140.0 (<= 100)" in lines
    assert "FAIL sqlite 5,000 tabs: errors 3 (<= 0)" in lines
    assert "     sqlite 5,000 tabs: errors {'poll: 503': 3}" in lines


def test_stats_count_errors_by_kind():
    stats = Stats()
    stats.error("poll: 503")
    stats.error("poll: 503")
    stats.error("stream: dropped")
    assert stats.errors == {"poll: 503": 2, "stream: dropped": 1}
