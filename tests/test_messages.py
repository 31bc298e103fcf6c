"""Private messages: sending, the inbox and its read watermark, the sent box (SPEC S4)."""

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from microblog.notifications.models import Notification
from microblog.users.models import User
from tests.conftest import HTMX, make_user, send
from tests.html import by_id, fragment, page, submit, text


def message_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Message))


def stored_unread(user) -> int:
    row = db.session.scalar(
        sa.select(Notification.payload_json).where(
            Notification.user_id == user.id, Notification.name == "unread_message_count"
        )
    )
    return int(row) if row is not None else 0


def test_profile_of_other_user_links_to_send_message(as_alice, bob):
    soup = page(as_alice.get("/user/bob"))
    assert by_id(soup, "send-message-link")["href"] == "/send_message/bob"


def test_own_profile_has_no_send_message_link(as_alice):
    soup = page(as_alice.get("/user/alice"))
    assert soup.find(id="send-message-link") is None


def test_send_form_page(as_alice, bob):
    response = as_alice.get("/send_message/bob")
    assert response.status_code == 200
    form = by_id(page(response), "message-form")
    assert form["method"] == "post"
    assert form["action"] == form["hx-post"] == "/send_message/bob"
    assert form.find("textarea", attrs={"name": "message"}) is not None


def test_send_plain_redirects_to_profile_with_flash(as_alice, bob):
    form = by_id(page(as_alice.get("/send_message/bob")), "message-form")
    response = submit(as_alice, form, message="  Hello Bob  ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/user/bob"
    soup = page(as_alice.get("/user/bob"))
    assert "Your message has been sent." in text(by_id(soup, "flashes"))
    stored = db.session.scalars(sa.select(Message)).all()
    assert [(m.body, m.sender_id, m.recipient_id) for m in stored] == [("Hello Bob", 1, 2)]


def test_send_htmx_returns_fresh_form_and_flash_out_of_band(as_alice, bob):
    response = as_alice.post("/send_message/bob", data={"message": "hi"}, headers=HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    soup = fragment(response)
    form = by_id(soup, "message-form")
    assert form.find("textarea", attrs={"name": "message"}).get_text().strip() == ""
    flashes = by_id(soup, "flashes")
    assert flashes["hx-swap-oob"] == "true"
    assert "Your message has been sent." in text(flashes)
    assert message_count() == 1


def test_send_updates_recipient_unread_count(as_alice, bob):
    as_alice.post("/send_message/bob", data={"message": "one"})
    as_alice.post("/send_message/bob", data={"message": "two"})
    assert stored_unread(bob) == 2


@pytest.mark.parametrize(
    "body, error",
    [
        ("", "cannot be empty"),
        ("   \n\t ", "cannot be empty"),
        ("x" * 141, "at most 140"),
        ("é" * 141, "at most 140"),
        ("😀" * 5000, "at most 140"),
        ("bad\x00byte", "control characters"),
        ("bell\x07", "control characters"),
        ("esc\x1b[31m", "control characters"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_body_returns_form_with_error_and_stores_nothing(as_alice, bob, body, error, htmx):
    response = as_alice.post("/send_message/bob", data={"message": body}, headers=HTMX if htmx else {})
    assert response.status_code == 422
    soup = fragment(response) if htmx else page(response)
    assert error in text(by_id(soup, "message-error"))
    assert by_id(soup, "message")["aria-invalid"] == "true"
    assert message_count() == 0
    assert stored_unread(bob) == 0


def test_exactly_140_characters_is_accepted(as_alice, bob):
    response = as_alice.post("/send_message/bob", data={"message": "ñ" * 140})
    assert response.status_code == 303
    assert message_count() == 1


def test_unknown_recipient_is_404(as_alice):
    assert as_alice.get("/send_message/nobody").status_code == 404
    assert as_alice.post("/send_message/nobody", data={"message": "hi"}).status_code == 404
    assert message_count() == 0


@pytest.mark.parametrize("name", ["x" * 500, "a b", "..", "%00", "nul\x00", "ümlaut", "<script>"])
def test_odd_recipient_names_are_404(as_alice, name):
    response = as_alice.get("/send_message/" + name)
    assert response.status_code == 404
    assert "There is no user with that name." in response.get_data(as_text=True)


def test_messaging_yourself_is_refused(as_alice):
    response = as_alice.post("/send_message/alice", data={"message": "me"})
    assert response.status_code == 400
    assert "cannot send a private message to yourself" in response.get_data(as_text=True)
    assert message_count() == 0


def test_recipient_lookup_ignores_case(as_alice, bob):
    assert as_alice.post("/send_message/BOB", data={"message": "hi"}).status_code == 303
    assert message_count() == 1


def test_anonymous_is_sent_to_login(client, bob):
    response = client.get("/send_message/bob")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_anonymous_htmx_gets_401_with_client_redirect(client, bob):
    response = client.post("/send_message/bob", data={"message": "hi"}, headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")
    assert message_count() == 0


# --- the inbox -------------------------------------------------------------------------------


def test_inbox_lists_received_newest_first_with_post_partial(app, client, auth, alice, bob):
    carol = make_user("carol")
    send(bob, alice, "first")
    send(carol, alice, "second")
    send(alice, bob, "not mine")
    auth.login("alice")
    soup = page(client.get("/messages"))
    items = by_id(soup, "message-list").find_all("article")
    assert [text(a.find("p", class_="body-text")) for a in items] == ["second", "first"]
    assert [a["id"] for a in items] == ["message-2", "message-1"]
    # Each message has the author's avatar, a link to the author and a <time>.
    assert items[0].find("img")["src"].startswith("/avatar/carol.svg")
    assert items[0].find("a", href="/user/carol") is not None
    assert items[0].find("time")["datetime"].endswith("+00:00")
    # and a way to reply
    assert items[0].find("a", href="/send_message/carol") is not None


def test_visiting_inbox_marks_shown_messages_read_and_badge_drops(app, client, auth, alice, bob):
    for i in range(3):
        send(bob, alice, f"m{i}")
    auth.login("alice")
    before = page(client.get("/index"))
    assert "3 unread messages" in text(by_id(before, "message-count"))
    soup = page(client.get("/messages"))
    badge = by_id(soup, "message-count")
    assert "unread" not in text(badge)
    assert "d-none" in badge.find(class_="badge")["class"]
    assert stored_unread(alice) == 0
    assert db.session.get(User, alice.id).last_read_message_id == 3


def test_inbox_fragment_carries_badge_out_of_band(app, client, auth, alice, bob):
    send(bob, alice, "hello")
    auth.login("alice")
    response = client.get("/messages", headers=HTMX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    soup = fragment(response)
    assert soup.find(id="message-list") is not None
    badge = by_id(soup, "message-count")
    assert badge["hx-swap-oob"] == "true"
    assert badge["hx-vals"] == '{"shown": "0"}'


@pytest.mark.parametrize("headers", [{}, {**HTMX, "HX-Boosted": "true"}, {**HTMX, "HX-History-Restore-Request": "true"}])
def test_inbox_full_page_for_plain_boosted_and_history_restore(as_alice, headers):
    response = as_alice.get("/messages", headers=headers)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page(response)


def test_pagination_marks_only_up_to_newest_shown(app, client, auth, alice, bob):
    app.config["MESSAGES_PER_PAGE"] = 3
    for i in range(7):  # ids 1..7; page 1 shows 7,6,5; page 2 shows 4,3,2; page 3 shows 1
        send(bob, alice, f"m{i + 1}")
    auth.login("alice")
    # Page 2 first: marks 4 and older as read, leaves 5..7 unread.
    soup = page(client.get("/messages?page=2"))
    ids = [a["id"] for a in by_id(soup, "message-list").find_all("article")]
    assert ids == ["message-4", "message-3", "message-2"]
    assert stored_unread(alice) == 3
    assert "3 unread messages" in text(by_id(soup, "message-count"))
    # Going back to page 2 again does not unmark anything and writes nothing new.
    client.get("/messages?page=3")
    assert stored_unread(alice) == 3
    client.get("/messages")
    assert stored_unread(alice) == 0


def test_pager_links_are_real_and_swap_in_place(app, client, auth, alice, bob):
    app.config["MESSAGES_PER_PAGE"] = 2
    for i in range(5):
        send(bob, alice, f"m{i}")
    auth.login("alice")
    soup = page(client.get("/messages?page=2"))
    older = soup.find("a", rel="next")
    newer = soup.find("a", rel="prev")
    assert older["href"] == older["hx-get"] == "/messages?page=3"
    assert newer["href"] == newer["hx-get"] == "/messages?page=1"
    for link in (older, newer):
        assert link["hx-target"] == "#message-list"
        assert link["hx-swap"] == "outerHTML"
        assert link["hx-push-url"] == "true"
    # Following the link without JavaScript works.
    assert client.get(older["href"]).status_code == 200
    last = page(client.get("/messages?page=3"))
    assert last.find("a", rel="next") is None


def test_message_committed_after_the_page_query_stays_unread(app, client, auth, alice, bob):
    """The watermark is the newest message shown, not the clock (SPEC S11 item 5)."""
    from microblog.messages import views

    send(bob, alice, "seen")
    auth.login("alice")
    original = views.mark_read

    def send_during_visit(user, newest_shown_id):
        # Another request commits a message between the page query and the read mark.
        send(db.session.get(User, bob.id), db.session.get(User, alice.id), "arrived during the visit")
        return original(user, newest_shown_id)

    views.mark_read = send_during_visit
    try:
        soup = page(client.get("/messages"))
    finally:
        views.mark_read = original
    assert [text(a.find("p", class_="body-text")) for a in by_id(soup, "message-list").find_all("article")] == ["seen"]
    assert stored_unread(alice) == 1
    assert "1 unread message" in text(by_id(soup, "message-count"))


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "99999999999999999999", "１", ""])
def test_bad_page_numbers_are_400(as_alice, value):
    response = as_alice.get("/messages", query_string={"page": value})
    assert response.status_code == 400
    assert "page number must be a whole number" in response.get_data(as_text=True)


def test_page_past_the_end_is_404(as_alice):
    response = as_alice.get("/messages?page=5")
    assert response.status_code == 404
    assert "There is no page 5." in response.get_data(as_text=True)


def test_empty_inbox(as_alice):
    soup = page(as_alice.get("/messages"))
    assert "No messages yet." in text(by_id(soup, "message-list"))


def test_sent_box_lists_my_messages_with_recipients(app, client, auth, alice, bob):
    carol = make_user("carol")
    send(alice, bob, "to bob")
    send(alice, carol, "to carol")
    send(bob, alice, "from bob")
    auth.login("alice")
    response = client.get("/messages/sent")
    assert response.status_code == 200
    items = by_id(page(response), "message-list").find_all("article")
    assert [text(a.find("p", class_="body-text")) for a in items] == ["to carol", "to bob"]
    assert items[0].find("a", href="/user/carol") is not None
    # Reading your sent box does not touch your unread count.
    assert stored_unread(alice) == 1
    fragment(client.get("/messages/sent", headers=HTMX), "#message-list")


def test_nobody_sees_other_peoples_messages(app, client, auth, alice, bob):
    carol = make_user("carol")
    send(bob, carol, "secret for carol")
    auth.login("alice")
    assert "secret for carol" not in client.get("/messages").get_data(as_text=True)
    assert "secret for carol" not in client.get("/messages/sent").get_data(as_text=True)
