"""The poll vocabulary (htmx.poll): no state -> 286 and an element that stops polling (or the full path), the
client's tag equal to the state -> 204, else the news; for the helper itself and for each poll that uses it
(the navbar badge, a conversation's poller, the conversation list's poller), each driven by the page's own
polling element."""

from __future__ import annotations

import json

import pytest
from flask import g

from microblog import htmx
from tests.conftest import HTMX, send
from tests.html import actor, by_id, fragment, page

# -- the helper on its own ----------------------------------------------------------------------------------


def answer_of(app, read, shown, news=None, stopped=None, tag=str):
    with app.test_request_context("/", headers=HTMX):
        called = []

        def _news(state):
            called.append(state)
            return news(state) if news else htmx.answer(f"news {state}")

        response = htmx.poll(read, tag, shown, _news, stopped)
        assert g.htmx_poll is True  # marked as a poll: its failures swap nothing
        return response, called


def test_poll_without_state_stops_with_the_element_that_no_longer_polls(app):
    stopped = [("partials/notifications/badge.html", {"count": 0, "polling": False})]
    response, called = answer_of(app, lambda: None, "3", stopped=lambda: stopped)
    assert response.status_code == htmx.STOP_POLLING == 286 and called == []
    badge = fragment(response, "#message-count")
    assert not badge.has_attr("hx-get") and not badge.has_attr("hx-trigger")


def test_poll_without_state_and_without_a_stopped_element_lets_the_full_path_decide(app):
    response, called = answer_of(app, lambda: None, "3")
    assert (response.status_code, response.get_data(as_text=True), called) == (200, "news None", [None])


def test_poll_whose_client_shows_the_state_is_204_and_renders_nothing(app):
    response, called = answer_of(app, lambda: 3, "3")
    assert (response.status_code, response.get_data(), called) == (204, b"", [])
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("shown", ["2", None, ""])
def test_poll_with_another_state_answers_the_news(app, shown):
    response, called = answer_of(app, lambda: 3, shown)
    assert (response.status_code, response.get_data(as_text=True), called) == (200, "news 3", [3])


def test_poll_news_as_parts_renders_them_from_their_own_context(app):
    def parts(count):
        return [("partials/notifications/badge.html", {"count": count, "activity": 0})]

    response, _ = answer_of(app, lambda: 4, "0", news=parts)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "4 unread messages" in fragment(response, "#message-count").get_text()


# -- each poll, by its page's own element --------------------------------------------------------------------


def badge_poll(client, soup):
    """What htmx sends when the page's badge polls: its hx-get with its hx-vals."""
    badge = by_id(soup, "message-count")
    return client.get(badge["hx-get"], query_string=json.loads(badge["hx-vals"]), headers=HTMX)


def test_the_badge_poll_answers_all_three(client, alice, bob):
    actor(client, "alice").signs_in()
    soup = page(client.get("/index"))
    assert badge_poll(client, soup).status_code == 204
    send(bob, alice, "hi")
    news = badge_poll(client, soup)
    assert news.status_code == 200 and "1 unread message" in fragment(news).get_text()
    assert badge_poll(client, fragment(news)).status_code == 204  # the new badge polls with the new count
    actor(client, "alice").signs_out()
    assert badge_poll(client, soup).status_code == 286


def test_the_badge_poll_compares_the_activity_count_too(client, alice, bob):
    actor(client, "alice").signs_in()
    soup = page(client.get("/index"))
    badge = by_id(soup, "message-count")
    vals = json.loads(badge["hx-vals"])
    assert client.get(badge["hx-get"], query_string={**vals, "activity": "7"}, headers=HTMX).status_code == 200
    del vals["activity"]  # an older page: activity not compared
    assert client.get(badge["hx-get"], query_string=vals, headers=HTMX).status_code == 204


def test_the_conversation_poll_answers_all_three(client, alice, bob):
    send(bob, alice, "first")
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    thread = alice_at.opens("/messages/bob")
    assert thread.with_htmx().follows_link("#thread-poller").status == 204
    send(bob, alice, "second")
    news = thread.with_htmx().follows_link("#thread-poller")
    assert news.status == 200 and "second" in news.fragment().get_text()
    assert news.with_htmx().follows_link("#thread-poller").status == 204  # its new cursor
    alice_at.signs_out()
    gone = thread.with_htmx().follows_link("#thread-poller")  # no state: the full path answers, a 401
    assert gone.status == 401 and gone.headers["HX-Redirect"].startswith("/auth/login")


def test_the_conversation_poll_sees_a_change_of_version(client, alice, bob):
    send(bob, alice, "first")
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    thread = alice_at.opens("/messages/bob")
    bob_at = actor(client.application.test_client(), "bob")
    bob_at.signs_in()
    poll = thread.with_htmx().follows_link("#thread-poller")
    assert poll.status == 204
    send(alice, bob, "to bob")  # nothing new to alice (the cursor stays); her send and bob reading it move the version
    bob_at.opens("/messages/alice")
    news = thread.with_htmx().follows_link("#thread-poller")
    assert news.status == 200 and "Seen" in news.get_data(as_text=True)


def test_the_conversation_list_poll_answers_all_three(client, alice, bob):
    send(bob, alice, "first")
    alice_at = actor(client, "alice")
    alice_at.signs_in()
    inbox = alice_at.opens("/messages")
    assert inbox.with_htmx().follows_link("#conversation-list-poller").status == 204
    send(bob, alice, "second")
    news = inbox.with_htmx().follows_link("#conversation-list-poller")
    assert news.status == 200 and "second" in news.fragment("#conversation-list").get_text()
    alice_at.signs_out()
    assert inbox.with_htmx().follows_link("#conversation-list-poller").status == 401
