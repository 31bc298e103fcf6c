"""Private messages as conversations (SPEC S4, S12): sending, the list, a thread, its poll, delete-for-me."""

# Users act through the pages' forms and links (the actor); the raw POSTs left are what a browser would not
# send: URLs no page offers (unknown names, another pair's conversation, the old URL) and missing CSRF tokens.

import json

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from microblog.messages.models import Member
from microblog.users.models import User
from tests.conftest import HTMX, make_user, send
from tests import truth
from tests.html import actor, by_id, fragment, page, submit, text


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
    response = as_alice.client.post("/send_message/bob", data={"message": "via the old URL"})
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


def test_conversation_list_newest_activity_first_with_previews_and_counts(app, client, signed_in, alice, bob):
    carol = make_user("carol")
    send(bob, alice, "an old one from bob")
    send(carol, alice, "hello alice " + "word " * 20)
    send(carol, alice, "again")
    send(alice, bob, "my latest, to bob")
    signed_in("alice", client)
    soup = page(client.get("/messages"))
    rows = by_id(soup, "conversation-list").select("li[id^=conversation-]")
    assert [r.find("a")["href"] for r in rows] == ["/messages/bob", "/messages/carol"]
    bob_row, carol_row = rows
    assert text(bob_row.find(class_="conversation-preview")) == "You: my latest, to bob"
    assert "1 unread message" in text(bob_row.find(class_="visually-hidden"))
    assert text(carol_row.find(class_="conversation-preview")) == "again"
    assert "2 unread messages" in text(carol_row.find(class_="visually-hidden"))
    assert bob_row.find("img")["src"].startswith("/avatar/bob.svg")
    assert bob_row.find("time")["datetime"].endswith("+00:00")
    # Reading the list marks nothing read.
    assert truth.badge(db.session, alice.id) == 3


def test_preview_is_cut_on_a_word():
    from microblog.formatting import preview

    assert preview("short") == "short"
    cut = preview("alpha beta gamma delta " * 10)
    assert cut.endswith("…") and len(cut) <= 60 and not cut[:-1].endswith(("alph", "bet", "gamm", "delt"))
    assert preview("x" * 100) == "x" * 59 + "…"


def test_conversation_list_pages_are_real_links(app, client, signed_in, alice, bob):
    app.config["MESSAGES_PER_PAGE"] = 2
    for name in ("carol", "dave", "erin", "frank", "grace"):
        send(make_user(name), alice, f"from {name}")
    signed_in("alice", client)
    soup = page(client.get("/messages?page=2"))
    older, newer = soup.find("a", rel="next"), soup.find("a", rel="prev")
    assert older["href"] == older["hx-get"] == "/messages?page=3"
    assert newer["href"] == newer["hx-get"] == "/messages?page=1"
    for link in (older, newer):
        assert (link["hx-target"], link["hx-swap"], link["hx-push-url"]) == ("#conversation-list", "outerHTML", "true")
    rows = fragment(client.get(older["href"], headers=HTMX), "#conversation-list").select("li[id^=conversation-]")
    assert [r.find("a").get_text() for r in rows] == ["carol"]


@pytest.mark.parametrize(
    "headers", [{}, {**HTMX, "HX-Boosted": "true"}, {**HTMX, "HX-History-Restore-Request": "true"}]
)
@pytest.mark.parametrize("url", ["/messages", "/messages/bob"])
def test_full_page_for_plain_boosted_and_history_restore(signed_in, bob, headers, url):
    as_alice = signed_in("alice")
    response = as_alice.opens(url, **headers)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page(response)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "99999999999999999999", "１", ""])
def test_bad_page_numbers_are_400(signed_in, value):
    as_alice = signed_in("alice")
    response = as_alice.opens("/messages", query_string={"page": value})
    assert response.status_code == 400
    assert "page number must be a whole number" in response.get_data(as_text=True)


def test_page_past_the_end_is_404(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/messages?page=5")
    assert response.status_code == 404
    assert "There is no page 5." in response.get_data(as_text=True)


def test_empty_list(signed_in):
    as_alice = signed_in("alice")
    soup = page(as_alice.opens("/messages"))
    assert "No conversations yet." in text(by_id(soup, "conversation-list"))


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


def test_messages_sent_still_answers(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/messages/sent")
    assert (response.status_code, response.headers["Location"]) == (301, "/messages")


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
    client.post("/messages/bob/delete")
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
    assert as_alice.client.post("/messages/nobody", data={"message": "hi"}).status_code == 404
    assert as_alice.client.post("/messages/nobody/delete").status_code == 404
    assert as_alice.client.post("/send_message/nobody", data={"message": "hi"}).status_code == 404
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


def test_anonymous_is_sent_to_login(client, bob):
    for url in ("/send_message/bob", "/messages/bob", "/messages"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")


def test_anonymous_htmx_gets_401_with_client_redirect(client, bob):
    response = client.post("/messages/bob", data={"message": "hi"}, headers=HTMX)
    assert response.status_code == 401
    assert client.get("/messages/bob?after=0", headers=HTMX).status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")
    assert message_count() == 0


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
        response = client.post(url, data=data, headers=HTMX if htmx else {})
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
