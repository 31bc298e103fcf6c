"""Sending a message (SPEC S4, S12): the reply form with and without htmx, the old /send_message URL, bad
bodies and recipients."""

# Users act through the pages' forms and links (the actor); the raw POSTs left are what a browser would not
# send: URLs no page offers (unknown names, another pair's conversation, the old URL) and missing CSRF tokens.

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from tests import truth
from tests.conftest import HTMX
from tests.html import by_id, fragment, page, submit, text


def message_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def test_profile_links_to_the_conversation(signed_in, bob):
    as_alice = signed_in("alice")
    soup = page(as_alice.opens("/user/bob"))
    assert by_id(soup, "send-message-link")["href"] == "/messages/bob"


def test_own_profile_has_no_send_message_link(signed_in):
    as_alice = signed_in("alice")
    soup = page(as_alice.opens("/user/alice"))
    assert soup.find(id="send-message-link") is None


def test_send_message_url_lands_in_the_conversation(signed_in, bob):
    as_alice = signed_in("alice")
    response = as_alice.opens("/send_message/bob")
    assert (response.status_code, response.headers["Location"]) == (302, "/messages/bob")
    response = as_alice.client.post(
        "/send_message/bob", data={"message": "via the old URL"}
    )  # raw: the old URL, which no page offers any more
    assert (response.status_code, response.headers["Location"]) == (303, "/messages/bob")
    soup = page(as_alice.opens("/messages/bob"))
    assert "Your message has been sent." in text(by_id(soup, "flashes"))
    assert "via the old URL" in text(by_id(soup, "message-log"))


def test_reply_without_javascript_303_back_to_the_thread(signed_in, alice, bob):
    as_alice = signed_in("alice")
    soup = page(as_alice.opens("/messages/bob"))
    assert by_id(soup, "message-log")["role"] == "log"
    assert "No messages yet" in text(by_id(soup, "thread-empty"))
    form = by_id(soup, "message-form")
    assert form["method"] == "post"
    assert form["action"] == form["hx-post"] == "/messages/bob"
    assert form["hx-disabled-elt"] == "find button"
    response = submit(as_alice.client, form, message="  Hello Bob  ")
    assert (response.status_code, response.headers["Location"]) == (303, "/messages/bob")
    stored = db.session.scalars(sa.select(Message)).all()
    assert [(m.body, m.sender_id, m.recipient_id) for m in stored] == [("Hello Bob", 1, 2)]
    log = by_id(page(as_alice.opens("/messages/bob")), "message-log")
    mine = log.find("article")
    assert mine["id"] == "message-1" and "message-mine" in mine["class"]
    assert truth.badge(db.session, bob.id) == 1


def test_reply_with_htmx_appends_the_message_and_returns_an_empty_focused_form(signed_in, bob):
    as_alice = signed_in("alice")
    form = by_id(page(as_alice.opens("/messages/bob")), "message-form")
    response = submit(as_alice.client, form, headers=HTMX, message="hi")
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    soup = fragment(response)
    fresh = by_id(soup, "message-form")
    box = fresh.find("textarea", attrs={"name": "message"})
    assert box.get_text().strip() == "" and box.has_attr("autofocus")
    appended = soup.find(attrs={"hx-swap-oob": "beforeend:#message-log"})
    assert [a["id"] for a in appended.find_all("article")] == ["message-1"]
    assert "message-mine" in appended.find("article")["class"]
    assert message_count() == 1


@pytest.mark.parametrize(
    "body, error",
    [
        ("", "cannot be empty"),
        ("   \n\t ", "cannot be empty"),
        ("x" * 1001, "at most 1000"),
        ("é" * 1001, "at most 1000"),
        ("😀" * 5000, "at most 1000"),
        ("bad\x00byte", "control characters"),
        ("bell\x07", "control characters"),
        ("esc\x1b[31m", "control characters"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_body_returns_form_with_error_and_stores_nothing(signed_in, bob, body, error, htmx):
    as_alice = signed_in("alice")
    thread = as_alice.opens("/messages/bob")
    response = (thread.with_htmx() if htmx else thread).submits("#message-form", message=body)
    assert response.status_code == 422
    soup = fragment(response) if htmx else page(response)
    assert error in text(by_id(soup, "message-error"))
    assert by_id(soup, "message")["aria-invalid"] == "true"
    assert message_count() == 0
    assert truth.badge(db.session, bob.id) == 0


def test_exactly_140_characters_is_accepted(signed_in, bob):
    as_alice = signed_in("alice")
    response = as_alice.opens("/messages/bob").submits("#message-form", message="ñ" * 140)
    assert response.status_code == 303
    assert message_count() == 1


def test_unknown_recipient_is_404(signed_in):
    as_alice = signed_in("alice")
    assert as_alice.opens("/send_message/nobody").status_code == 404
    assert as_alice.opens("/messages/nobody").status_code == 404
    assert as_alice.client.post("/messages/nobody", data={"message": "hi"}).status_code == 404  # raw: a name nobody has
    assert as_alice.client.post("/messages/nobody/delete").status_code == 404  # raw: a name nobody has
    assert (
        as_alice.client.post("/send_message/nobody", data={"message": "hi"}).status_code == 404
    )  # raw: a name nobody has
    assert message_count() == 0


@pytest.mark.parametrize("name", ["x" * 500, "a b", "..", "%00", "nul\x00", "ümlaut", "<script>"])
@pytest.mark.parametrize("prefix", ["/send_message/", "/messages/"])
def test_odd_recipient_names_are_404(signed_in, name, prefix):
    as_alice = signed_in("alice")
    response = as_alice.opens(prefix + name)
    assert response.status_code == 404
    assert "There is no user with that name." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "method, url",
    [
        ("post", "/send_message/alice"),
        ("post", "/messages/alice"),
        ("get", "/messages/ALICE"),
        ("get", "/send_message/alice"),
        ("post", "/messages/alice/delete"),
    ],
)
def test_messaging_yourself_is_refused(signed_in, method, url):
    as_alice = signed_in("alice")
    response = getattr(as_alice.client, method)(url, data={"message": "me"})
    assert response.status_code == 400
    assert "cannot send a private message to yourself" in response.get_data(as_text=True)
    assert message_count() == 0


def test_recipient_lookup_ignores_case(signed_in, bob):
    as_alice = signed_in("alice")
    assert as_alice.opens("/messages/BOB").submits("#message-form", message="hi").status == 303
    assert message_count() == 1
