"""A conversation, /messages/<username> (SPEC S12): the thread, its earlier pages, its poll, marking read,
and who may open it."""

# Users act through the pages' forms and links (the actor); the raw POSTs left are what a browser would not
# send: URLs no page offers (unknown names, another pair's conversation, the old URL) and missing CSRF tokens.

import pytest

from microblog.extensions import db
from microblog.users.models import User
from tests import truth
from tests.conftest import HTMX, make_user, send
from tests.html import actor, by_id, fragment, page, text
from tests.messages.test_send import message_count


def test_thread_shows_both_sides_oldest_first_and_marks_read(app, client, signed_in, alice, bob):
    send(bob, alice, "one")
    send(alice, bob, "two")
    send(bob, alice, "three")
    signed_in("alice", client)
    assert "2 unread messages" in text(by_id(page(client.get("/index")), "message-count"))
    soup = page(client.get("/messages/bob"))
    items = by_id(soup, "message-log").find_all("article")
    assert [text(a.find("p", class_="body-text")) for a in items] == ["one", "two", "three"]
    assert [("message-mine" in a["class"]) for a in items] == [False, True, False]
    assert "unread" not in text(by_id(soup, "message-count"))
    assert truth.badge(db.session, alice.id) == 0
    assert truth.badge(db.session, bob.id) == 1  # the other person sees no change


def test_thread_marks_read_only_this_conversation(app, client, signed_in, alice, bob):
    carol = make_user("carol")
    send(bob, alice, "from bob")
    send(carol, alice, "from carol")
    signed_in("alice", client)
    fragment(client.get("/messages/bob", headers=HTMX), "#message-log")
    assert truth.badge(db.session, alice.id) == 1
    assert truth.unread_in(db.session, alice.id, carol.id) == 1 and truth.unread_in(db.session, alice.id, bob.id) == 0
    soup = fragment(client.get("/messages/bob", headers=HTMX))
    assert by_id(soup, "message-count")["hx-swap-oob"] == "true"


def test_earlier_messages_link_works_with_and_without_htmx(app, client, signed_in, alice, bob):
    app.config["THREAD_MESSAGES_PER_PAGE"] = 3
    for i in range(7):
        send(bob, alice, f"m{i + 1}")  # ids 1..7
    signed_in("alice", client)
    soup = page(client.get("/messages/bob"))
    ids = [a["id"] for a in by_id(soup, "message-log").find_all("article")]
    assert ids == ["message-5", "message-6", "message-7"]
    earlier = by_id(soup, "earlier-messages")
    assert earlier["href"] == earlier["hx-get"] == "/messages/bob?before=5"
    assert (earlier["hx-target"], earlier["hx-swap"]) == ("this", "outerHTML")
    older = fragment(client.get(earlier["href"], headers=HTMX))
    assert [a["id"] for a in older.find_all("article")] == ["message-2", "message-3", "message-4"]
    assert by_id(older, "earlier-messages")["href"] == "/messages/bob?before=2"
    last = fragment(client.get("/messages/bob?before=2", headers=HTMX))
    assert last.find(id="earlier-messages") is None
    assert [a["id"] for a in last.find_all("article")] == ["message-1"]
    plain = page(client.get("/messages/bob?before=5"))
    assert [a["id"] for a in by_id(plain, "message-log").find_all("article")] == ["message-2", "message-3", "message-4"]
    # An older page does not poll (new messages would land after a gap); it links to the latest ones.
    assert plain.find(id="thread-poller") is None
    assert plain.find("a", href="/messages/bob", string="Latest messages") is not None


def test_poll_answers_204_when_nothing_is_new_and_the_new_messages_otherwise(app, client, signed_in, alice, bob):
    send(bob, alice, "first")
    signed_in("alice", client)
    soup = page(client.get("/messages/bob"))
    poller = by_id(soup, "thread-poller")
    # after: the newest message to me shown; v: the conversation's version shown (the send, then my read)
    assert poller["href"] == poller["hx-get"] == "/messages/bob?after=1&v=2"
    assert poller["hx-trigger"] == "every 3s, sse:message"  # the poll, and at once on the push stream
    assert (poller["hx-target"], poller["hx-swap"]) == ("this", "outerHTML")
    idle = client.get(poller["hx-get"], headers=HTMX)
    assert idle.status_code == 204 and idle.get_data() == b""
    send(alice, bob, "my own reply")  # mine: shown by my reply, not by the poll (which only takes the new version)
    mine = client.get(poller["hx-get"], headers=HTMX)
    assert mine.status_code == 200 and fragment(mine).find("article") is None
    poller = by_id(fragment(mine), "thread-poller")
    assert poller["hx-get"] == "/messages/bob?after=1&v=3"
    send(bob, alice, "second")
    send(bob, alice, "third")
    response = client.get(poller["hx-get"], headers=HTMX)
    assert response.status_code == 200
    soup = fragment(response)
    assert by_id(soup, "thread-poller")["hx-get"] == "/messages/bob?after=4&v=6"  # two sends and my read
    appended = soup.find(attrs={"hx-swap-oob": "beforeend:#message-log"})
    assert [text(a.find("p", class_="body-text")) for a in appended.find_all("article")] == ["second", "third"]
    assert by_id(soup, "message-count")["hx-swap-oob"] == "true"
    assert truth.badge(db.session, alice.id) == 0
    assert client.get("/messages/bob?after=4&v=6", headers=HTMX).status_code == 204


def test_poll_link_without_javascript_reloads_the_thread(signed_in, alice, bob):
    as_alice = signed_in("alice")
    send(bob, db.session.get(User, 1), "hello")
    response = as_alice.opens("/messages/bob?after=0")
    assert response.status_code == 200
    assert "hello" in text(by_id(page(response), "message-log"))


@pytest.mark.parametrize("param", ["after", "before"])
@pytest.mark.parametrize(
    "value", ["-1", "abc", "1.5", "99999999999999999999", "2147483648", "9223372036854775807", "１", "", "1e3"]
)
@pytest.mark.parametrize("htmx", [False, True])
def test_junk_cursors_are_400(signed_in, bob, param, value, htmx):
    as_alice = signed_in("alice")
    response = as_alice.opens("/messages/bob", query_string={param: value}, **(HTMX if htmx else {}))
    assert response.status_code == 400
    assert "must be a message number" in response.get_data(as_text=True)


def test_a_user_named_sent_still_reaches_their_conversation(app, client, signed_in, alice):
    sent = make_user("sent")
    send(sent, alice, "I am a user called sent")
    signed_in("alice", client)
    soup = page(client.get("/messages"))
    link = by_id(soup, "conversation-list").find("a", href="/messages/sent")
    response = client.get(link["href"])
    assert response.status_code == 200
    assert "I am a user called sent" in text(by_id(page(response), "message-log"))
    assert actor(client).opens(link["href"]).submits("#message-form", message="hello sent").status == 303
    assert truth.badge(db.session, sent.id) == 1


def test_nobody_reaches_another_pairs_conversation(app, client, signed_in, alice, bob):
    carol = make_user("carol")
    send(bob, carol, "secret for carol")
    signed_in("alice", client)
    for url in (
        "/messages",
        "/messages/bob",
        "/messages/carol",
        "/messages/bob?after=0",
        "/messages/carol?before=99",
        "/notifications",
    ):
        for headers in ({}, HTMX):
            assert "secret for carol" not in client.get(url, headers=headers).get_data(as_text=True)
    assert client.get("/messages/bob?after=0", headers=HTMX).status_code == 204
    client.post("/messages/bob/delete")  # raw: carol deletes a conversation she is not in: no page offers it
    assert truth.badge(db.session, carol.id) == 1


def test_message_committed_after_the_page_query_stays_unread(app, client, signed_in, alice, bob):
    """The watermark is the newest message shown, not the clock (SPEC S11 item 5)."""
    from microblog.messages import views

    send(bob, alice, "seen")
    signed_in("alice", client)
    original = views.mark_read

    def send_during_visit(user, member, up_to, **kw):
        send(db.session.get(User, bob.id), db.session.get(User, alice.id), "arrived during the visit")
        return original(user, member, up_to, **kw)

    views.mark_read = send_during_visit
    try:
        soup = page(client.get("/messages/bob"))
    finally:
        views.mark_read = original
    assert [text(a.find("p", class_="body-text")) for a in by_id(soup, "message-log").find_all("article")] == ["seen"]
    assert truth.badge(db.session, alice.id) == 1
    assert "1 unread message" in text(by_id(soup, "message-count"))
    # and the open thread's poll brings it
    poll = fragment(client.get(by_id(soup, "thread-poller")["hx-get"], headers=HTMX))
    assert "arrived during the visit" in text(poll)
    assert truth.badge(db.session, alice.id) == 0


def test_anonymous_is_sent_to_login(client, bob):
    for url in ("/send_message/bob", "/messages/bob", "/messages"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_anonymous_htmx_gets_401_with_client_redirect(client, bob):
    response = client.post(
        "/messages/bob", data={"message": "hi"}, headers=HTMX
    )  # raw: signed out: what an old tab would send
    assert response.status_code == 401
    assert client.get("/messages/bob?after=0", headers=HTMX).status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")
    assert message_count() == 0
