"""The conversation list, /messages (SPEC S12): newest activity first, previews, counts, real page links."""

# Users act through the pages' forms and links (the actor); the raw POSTs left are what a browser would not
# send: URLs no page offers (unknown names, another pair's conversation, the old URL) and missing CSRF tokens.

import pytest

from microblog.extensions import db
from tests import truth
from tests.conftest import HTMX, make_user, send
from tests.html import by_id, fragment, page, text


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


def test_messages_sent_still_answers(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/messages/sent")
    assert (response.status_code, response.headers["Location"]) == (301, "/messages")
