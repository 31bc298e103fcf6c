"""The live badge and the JSON notifications feed (SPEC S5)."""

import json

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.notifications.models import Notification, add_notification
from microblog.users.models import User
from tests.conftest import HTMX, make_user, send
from tests.html import actor, by_id, fragment, page, text

POLL = {**HTMX, "HX-Trigger": "message-count"}


def poll(client, shown=None):
    query = {} if shown is None else {"shown": shown}
    return client.get("/notifications/badge", query_string=query, headers=POLL)


def test_navbar_badge_polls_itself(signed_in):
    as_alice = signed_in("alice")
    badge = by_id(page(as_alice.opens("/index")), "message-count")
    assert badge["hx-get"] == "/notifications/badge"
    assert badge["hx-trigger"] == "every 10s, sse:unread"  # polls, and refetches on a push (SSE_ENABLED)
    assert badge["hx-swap"] == "outerHTML"
    assert json.loads(badge["hx-vals"]) == {"shown": "0", "activity": "0", "title": "Home"}
    # The live region is the badge's parent, which stays while the badge is swapped.
    assert badge.parent["id"] == "message-status" and badge.parent["role"] == "status"
    assert not badge.has_attr("role")


def test_badge_hidden_at_zero_by_class(signed_in):
    as_alice = signed_in("alice")
    badge = by_id(page(as_alice.opens("/index")), "message-count")
    pill = badge.find(class_="badge")
    assert "d-none" in pill["class"]
    assert not badge.has_attr("style") and not pill.has_attr("style")
    assert text(badge.find(class_="visually-hidden")) == ""


@pytest.mark.parametrize(
    "n, label, spoken",
    [
        (1, "1", "1 unread message"),
        (3, "3", "3 unread messages"),
        (99, "99", "99 unread messages"),
        (100, "99+", "100 unread messages"),
    ],
)
def test_badge_count_label_and_text_alternative(app, client, signed_in, alice, bob, n, label, spoken):
    for _ in range(n):
        send(bob, alice)
    signed_in("alice", client)
    badge = fragment(poll(client), "#message-count")
    pill = badge.find(class_="badge")
    assert "d-none" not in pill["class"]
    assert text(pill) == label
    assert pill["aria-hidden"] == "true"
    assert text(badge.find(class_="visually-hidden")) == spoken


def test_badge_text_in_spanish_with_plural_forms(app, client, signed_in, alice, bob):
    send(bob, alice)
    signed_in("alice", client)
    es = {**POLL, "Accept-Language": "es-ES,es;q=0.9"}
    one = fragment(client.get("/notifications/badge", headers=es), "#message-count")
    assert text(one.find(class_="visually-hidden")) == "1 mensaje sin leer"
    send(bob, alice)
    two = fragment(client.get("/notifications/badge", headers=es), "#message-count")
    assert text(two.find(class_="visually-hidden")) == "2 mensajes sin leer"


def test_poll_with_unchanged_count_is_204_with_one_query_and_no_write(app, client, signed_in, alice, bob, statements):
    send(bob, alice)
    signed_in("alice", client)
    with statements.recording() as log:
        response = poll(client, shown="1")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert log.count <= 1, log.queries
    assert log.writes == []
    assert log.statements == log.queries, "the poll's one statement is its own transaction: no BEGIN"
    assert "HX-Request" in response.headers["Vary"]


def test_poll_with_news_is_200_with_one_query_and_no_write(app, client, signed_in, alice, bob, statements):
    """A changed count renders the badge from the polled count alone: the user is not loaded again."""
    send(bob, alice)
    signed_in("alice", client)
    with statements.recording() as log:
        response = poll(client, shown="0")
    assert response.status_code == 200
    assert fragment(response, "#message-count").select_one(".badge").get_text(strip=True) == "1"
    assert log.count == 1, log.queries
    assert log.writes == []


def test_poll_renders_no_template_when_unchanged(app, client, signed_in, alice):
    from flask import template_rendered

    rendered = []
    signed_in("alice", client)

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        assert poll(client, shown="0").status_code == 204
    finally:
        template_rendered.disconnect(record, app)
    assert rendered == []


def test_poll_with_news_returns_new_badge(app, client, signed_in, alice, bob):
    signed_in("alice", client)
    assert poll(client, shown="0").status_code == 204
    send(bob, alice)
    response = poll(client, shown="0")
    assert response.status_code == 200
    badge = fragment(response, "#message-count")
    assert json.loads(badge["hx-vals"]) == {"shown": "1", "activity": "0"}
    assert badge["hx-trigger"] == "every 10s, sse:unread"  # polls, and refetches on a push (SSE_ENABLED)
    # The next poll, sending what is now shown, finds nothing new.
    assert poll(client, shown="1").status_code == 204


@pytest.mark.parametrize("shown", ["", "abc", "-1", "1e9", "\x00"])
def test_odd_shown_values_just_get_the_badge(signed_in, shown):
    as_alice = signed_in("alice")
    response = poll(as_alice.client, shown=shown)
    assert response.status_code == 200
    fragment(response, "#message-count")


def test_anonymous_poll_gets_286_and_a_badge_that_does_not_poll(client):
    response = poll(client, shown="3")
    assert response.status_code == 286
    badge = fragment(response, "#message-count")
    assert not badge.has_attr("hx-get") and not badge.has_attr("hx-trigger")
    assert "Location" not in response.headers


def test_poll_after_logout_in_another_tab_stops(app, client, signed_in, alice):
    signed_in("alice", client)
    assert poll(client, shown="0").status_code == 204
    actor(client).signs_out()
    assert poll(client, shown="0").status_code == 286


def test_poll_after_password_change_elsewhere_stops(app, client, signed_in, alice):
    signed_in("alice", client)
    user = db.session.get(User, alice.id)
    user.set_password("a brand new password")
    db.session.commit()
    assert poll(client, shown="0").status_code == 286


def test_poll_does_not_touch_last_seen_or_session(app, client, signed_in, alice, bob, statements):
    signed_in("alice", client)
    before = db.session.get(User, alice.id).last_seen
    send(bob, alice)
    with statements.recording() as log:
        response = poll(client, shown="0")
        poll(client, shown="1")
    assert response.status_code == 200
    assert log.writes == []
    assert db.session.get(User, alice.id).last_seen == before
    assert "Set-Cookie" not in response.headers


def test_remember_me_cookie_alone_keeps_the_badge_alive(app, alice, bob, signed_in):
    client = signed_in("alice", remember=True).client
    client.delete_cookie("session", domain="localhost")
    send(bob, alice)
    response = poll(client, shown="0")
    assert response.status_code == 200
    assert text(fragment(response, "#message-count").find(class_="badge")) == "1"


# --- JSON feed ----------------------------------------------------------------------------


def test_json_feed_lists_own_notifications_oldest_first(app, client, signed_in, alice, bob):
    carol = make_user("carol")
    send(bob, alice)
    send(alice, carol)
    signed_in("alice", client)
    response = client.get("/notifications?since=0")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == [
        {"name": "unread_message_count", "data": 1, "timestamp": response.get_json()[0]["timestamp"]}
    ]


def test_json_feed_since_cursor(app, client, signed_in, alice, bob):
    send(bob, alice)
    signed_in("alice", client)
    first = client.get("/notifications").get_json()
    assert [n["data"] for n in first] == [1]
    stamp = first[0]["timestamp"]
    assert client.get(f"/notifications?since={stamp!r}").get_json() == []
    send(bob, alice)
    later = client.get(f"/notifications?since={stamp!r}").get_json()
    assert [n["data"] for n in later] == [2]
    assert later[0]["timestamp"] > stamp


def test_notification_stamps_never_go_backwards(app, alice, monkeypatch):
    """A notification committed later is stamped later, even if this server's clock is behind
    (SPEC S11 item 4): a client polling with since=<last stamp> never skips one."""
    import microblog.notifications.models as models

    first = add_notification(alice.id, "a", 1).timestamp
    db.session.commit()
    monkeypatch.setattr(models.time, "time", lambda: first - 60)
    second = add_notification(alice.id, "b", 2).timestamp
    db.session.commit()
    assert second > first


def test_add_notification_replaces_by_name(app, alice):
    add_notification(alice.id, "unread_message_count", 1)
    add_notification(alice.id, "unread_message_count", 5)
    db.session.commit()
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == alice.id)).all()
    assert [(n.name, n.get_data()) for n in rows] == [("unread_message_count", 5)]


def test_database_enforces_one_row_per_user_and_name(app, alice):
    db.session.add(Notification(user_id=alice.id, name="x", timestamp=1.0, payload_json="1"))
    db.session.add(Notification(user_id=alice.id, name="x", timestamp=2.0, payload_json="2"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    "since", ["abc", "nan", "NaN", "inf", "-inf", "-1", "1e300", "9999999999999", "0x10", "1" * 100, "\x00", " "]
)
def test_bad_since_is_400_json(signed_in, since):
    as_alice = signed_in("alice")
    response = as_alice.opens("/notifications", query_string={"since": since})
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400
    assert "since" in body["message"]


@pytest.mark.parametrize("since", ["0", "", "1795000000.5", "1e9"])
def test_good_since_values(signed_in, since):
    as_alice = signed_in("alice")
    response = as_alice.opens("/notifications", query_string={"since": since})
    assert response.status_code == 200
    assert response.get_json() == []


def test_json_feed_anonymous_is_401_json_not_a_redirect(client):
    response = client.get("/notifications?since=0")
    assert response.status_code == 401
    assert response.get_json()["status"] == 401
    assert "Location" not in response.headers


def test_full_page_shows_right_count_without_javascript(app, client, signed_in, alice, bob):
    for _ in range(2):
        send(bob, alice)
    signed_in("alice", client)
    for url in ("/index", "/explore", "/user/bob", "/messages"):
        badge = by_id(page(client.get(url)), "message-count")
        assert text(badge.find(class_="badge")) == "2", url
        assert text(badge.find(class_="visually-hidden")) == "2 unread messages"
