"""Deleting a conversation for me (SPEC S12), with and without htmx, and the CSRF token that its form and the
reply form need."""

# Users act through the pages' forms and links (the actor); the raw POSTs left are what a browser would not
# send: URLs no page offers (unknown names, another pair's conversation, the old URL) and missing CSRF tokens.

import json

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Member
from microblog.users.models import User
from tests import truth
from tests.conftest import HTMX, make_user, send
from tests.html import by_id, fragment, page, submit, text
from tests.messages.test_send import message_count


def test_delete_for_me_hides_it_from_me_only_until_a_new_message(app, client, signed_in, alice, bob):
    send(bob, alice, "old one")
    send(alice, bob, "old two")
    signed_in("alice", client)
    soup = page(client.get("/messages"))
    row = by_id(soup, "conversation-list").select_one("li[id^=conversation-]")
    form = row.find("form")
    assert form["action"] == form["hx-post"] == "/messages/bob/delete"
    assert (form["hx-target"], form["hx-swap"]) == (f"#{row['id']}", "outerHTML")
    # htmx asks first (hx-confirm), then posts with what hx-vals adds
    assert form["hx-confirm"] == "Delete the conversation with bob for you? They will still see it."
    assert json.loads(form["hx-vals"]) == {"confirmed": "1"}
    response = submit(client, form, headers=HTMX, confirmed="1")
    assert response.status_code == 200
    swapped = fragment(response)
    assert swapped.find("li") is None  # the row goes away
    assert by_id(swapped, "message-count")["hx-swap-oob"] == "true"
    assert "No conversations yet." in text(by_id(page(client.get("/messages")), "conversation-list"))
    assert by_id(page(client.get("/messages/bob")), "message-log").find("article") is None
    assert truth.badge(db.session, alice.id) == 0
    # bob sees no change
    assert message_count() == 2 and truth.badge(db.session, bob.id) == 1
    # a new message brings it back, with only the new message
    send(bob, alice, "new one")
    rows = by_id(page(client.get("/messages")), "conversation-list").select("li[id^=conversation-]")
    assert len(rows) == 1 and "1 unread message" in text(rows[0])
    items = by_id(page(client.get("/messages/bob")), "message-log").find_all("article")
    assert [text(a.find("p", class_="body-text")) for a in items] == ["new one"]


def test_delete_without_javascript_303_to_the_list(signed_in, alice, bob):
    as_alice = signed_in("alice")
    send(bob, db.session.get(User, 1), "hi")
    form = by_id(page(as_alice.opens("/messages/bob")), "main").find("form", action="/messages/bob/delete")
    asked = submit(as_alice.client, form)  # without script nothing is deleted yet: the same URL asks first
    assert asked.status_code == 200 and message_count() == 1
    assert "Delete the conversation with bob?" in text(by_id(page(asked), "main"))
    assert page(as_alice.opens("/messages/bob/delete")).find(id="confirm-delete-form") is not None  # GET asks too
    response = submit(as_alice.client, by_id(page(asked), "confirm-delete-form"))
    assert (response.status_code, response.headers["Location"]) == (303, "/messages")
    soup = page(as_alice.opens("/messages"))
    assert "deleted for you" in text(by_id(soup, "flashes"))


@pytest.mark.parametrize("htmx", [False, True])
def test_reply_and_delete_need_the_csrf_token(csrf_app, htmx, signed_in):
    client = csrf_app.test_client()
    alice, bob = make_user("alice"), make_user("bob")
    send(bob, alice, "hello")
    signed_in("alice", client)
    for url, data in (
        ("/messages/bob", {"message": "forged"}),
        ("/messages/bob/delete", {"confirmed": "1"}),
        ("/send_message/bob", {"message": "forged"}),
    ):
        response = client.post(url, data=data, headers=HTMX if htmx else {})  # raw: no CSRF token
        assert response.status_code == 400, url
    assert message_count() == 1
    assert db.session.scalar(sa.select(Member.cleared_before_id).where(Member.user_id == alice.id)) == 0
    # With the page's own token (the form's hidden field), both work.
    thread = page(client.get("/messages/bob"))
    assert submit(client, by_id(thread, "message-form"), message="real").status_code == 303
    delete = by_id(page(client.get("/messages")), "conversation-list").find("form")
    asked = submit(client, delete)  # without script: "Are you sure?" first
    assert asked.status_code == 200
    assert submit(client, by_id(page(asked), "confirm-delete-form")).status_code == 303
    assert message_count() == 2
    assert db.session.scalar(sa.select(Member.cleared_before_id).where(Member.user_id == alice.id)) == 2
