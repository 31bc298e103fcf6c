"""The conversation as a whole (SPEC S17): the thread opens at its newest with the composer focused, "Seen"
and read receipts, mute and mark as unread, the live list (its poll), New message (the people picker),
times that stay true, and searching my messages."""

from datetime import timedelta

import sqlalchemy as sa

from microblog.database import utcnow
from microblog.extensions import db
from microblog.messages.models import Member, Message
from microblog.messages import acts
from microblog.users.models import User
from tests.conftest import HTMX, make_user, send
from tests.html import actor, by_id, fragment, page, submit, text
from tests import truth
from tests.messages.test_concurrency import badge_count, json_count, listed_counts


def test_thread_opens_at_its_newest_in_a_scroll_container_with_the_composer_focused(client, alice, bob, signed_in):
    for i in range(30):
        send(bob, alice, f"m{i}")
    thread = signed_in("alice", client).opens("/messages/bob")
    scroll = thread.by_id("thread-scroll")
    assert "thread-scroll" in scroll["class"]  # column-reverse in app.css: starts at its end, no script
    articles = scroll.find_all("article")
    assert text(articles[-1].find(class_="body-text")) == "m29"  # the newest window, newest last
    composer = thread.by_id("message-form").find("textarea")
    assert composer.has_attr("autofocus")
    # the conversation's own controls sit apart from Send, above the thread
    controls = thread.by_id("conversation-controls")
    assert controls.find_parent(id="message-form") is None
    assert thread.by_id("earlier-messages")["href"].startswith("/messages/bob?before=")


def test_seen_shows_when_they_read_my_latest_message(client, app, alice, bob, signed_in):
    send(alice, bob, "are you there?")
    me = signed_in("alice", client)
    assert me.opens("/messages/bob").text("thread-seen") == ""
    signed_in("bob", app=app).opens("/messages/alice")  # bob reads it
    seen = me.opens("/messages/bob").by_id("thread-seen")
    assert text(seen).startswith("Seen") and seen.find("time")["datetime"]
    stored = db.session.scalar(sa.select(Member.seen_at).where(Member.user_id == bob.id))
    assert stored is not None
    send(alice, bob, "and now?")  # a newer message of mine, not read yet
    assert me.opens("/messages/bob").text("thread-seen") == ""


def test_read_receipts_off_works_both_ways(client, app, alice, bob, signed_in):
    send(alice, bob, "hi")
    send(bob, alice, "hello")
    bob_client = app.test_client()
    signed_in("bob", bob_client).opens("/messages/alice")
    me = signed_in("alice", client)
    me.opens("/messages/bob")
    assert me.opens("/messages/bob").text("thread-seen").startswith("Seen")
    assert actor(bob_client, "bob").opens("/messages/alice").text("thread-seen").startswith("Seen")
    # alice turns read receipts off in her privacy settings
    settings = me.opens("/settings/privacy")
    box = settings.by_id("privacy-form").find("input", attrs={"name": "read_receipts"})
    assert box.has_attr("checked")  # on by default
    del box["checked"]
    assert submit(client, settings.by_id("privacy-form")).status_code == 303
    assert db.session.scalar(sa.select(User.read_receipts).where(User.id == alice.id)) is False
    assert me.opens("/messages/bob").text("thread-seen") == ""  # she sees none
    assert actor(bob_client, "bob").opens("/messages/alice").text("thread-seen") == ""  # and sends none
    # and what she reads from now on is not even recorded: turning receipts on later reveals nothing old
    newer = send(bob, alice, "did you see this?")
    me.opens("/messages/bob")
    seen_by_alice = db.session.scalar(sa.select(Member.seen_message_id).where(Member.user_id == alice.id))
    assert seen_by_alice < newer.id


def test_mute_leaves_the_badge_and_the_row_shows_its_count_muted(client, app, alice, bob, monkeypatch, signed_in):
    carol = make_user("carol")
    send(bob, alice, "b1")
    me = signed_in("alice", client)
    me.opens("/messages")  # the list marks nothing read
    thread = me.opens("/messages/bob")  # opening reads it; then two more arrive
    send(bob, alice, "b2"), send(bob, alice, "b3"), send(carol, alice, "c1")
    assert badge_count(client) == 3
    muted = thread.with_htmx().submits("#mute-form")
    assert muted.status == 200
    assert muted.fragment("#conversation-controls").find("input", attrs={"name": "muted"})["value"] == "0"
    assert by_id(muted.fragment(), "message-count")["hx-swap-oob"] == "true"
    assert badge_count(client) == 1 == json_count(client) == truth.badge(db.session, alice.id)
    rows = by_id(page(client.get("/messages")), "conversation-list").select("li[id^=conversation-]")
    row = [r for r in rows if r.find("a").get_text() == "bob"][0]
    assert "muted" in text(row) and "2 unread messages" in text(row)
    assert row.find(class_="conversation-muted-count") is not None
    # a message into a muted conversation moves no badge and pushes no badge event
    published = []
    monkeypatch.setattr(acts, "publish", lambda user_id, *events: published.append((user_id, events)))
    send(bob, alice, "b4")
    assert (alice.id, ("message",)) in published  # her open thread still refetches
    assert not [events for user_id, events in published if user_id == alice.id and "unread" in events]
    monkeypatch.undo()
    assert badge_count(client) == 1
    # unmuted, it counts again; the list's unmuted counts add up to the badge throughout
    muted.with_htmx().submits("#mute-form")  # the controls it swapped in now say Unmute
    assert badge_count(client) == 4 == sum(listed_counts(client).values())


def test_mark_as_unread_counts_the_newest_again_and_goes_to_the_list(client, alice, bob, signed_in):
    send(bob, alice, "one"), send(bob, alice, "two")
    me = signed_in("alice", client)
    thread = me.opens("/messages/bob")
    assert badge_count(client) == 0
    done = thread.submits("#unread-form")
    assert done.status == 303 and done.location == "/messages"
    assert badge_count(client) == 1 == json_count(client) == truth.unread_messages(db.session, alice.id)
    assert listed_counts(client) == {"bob": 1}
    htmx = me.opens("/messages/bob").with_htmx().submits("#unread-form")
    assert htmx.status == 204 and htmx.headers["HX-Redirect"] == "/messages"


def test_list_poll_is_204_until_something_a_row_shows_changes(client, alice, bob, statements, signed_in):
    send(bob, alice, "hello")
    signed_in("alice", client)
    poller = by_id(page(client.get("/messages")), "conversation-list-poller")
    assert poller["href"] == poller["hx-get"] and "every 10s" in poller["hx-trigger"]
    assert poller["hx-target"] == "#conversation-list"
    with statements.recording() as log:
        idle = client.get(poller["hx-get"], headers=HTMX)
    assert idle.status_code == 204 and log.count == 1 and log.writes == [], log.queries
    send(bob, alice, "news")
    fresh = client.get(poller["hx-get"], headers=HTMX)
    assert fresh.status_code == 200
    row = fragment(fresh).find("li")
    assert "news" in text(row) and "2 unread messages" in text(row)
    assert client.get(by_id(fragment(fresh), "conversation-list-poller")["hx-get"], headers=HTMX).status_code == 204


def test_list_poll_signed_out_stops_and_never_redirects_into_the_list(client, alice, signed_in):
    signed_in("alice", client)
    url = by_id(page(client.get("/messages")), "conversation-list-poller")["hx-get"]
    actor(client).signs_out()
    assert client.get(url, headers=HTMX).status_code in (401, 286)


def test_new_message_picker_searches_and_refuses_before_typing(client, alice, bob, signed_in):
    bobby = make_user("bobby")
    bobby.message_policy = "following"
    make_user("bobcat").message_policy = "nobody"
    db.session.commit()
    me = signed_in("alice", client)
    empty = me.opens("/messages")
    assert empty.by_id("new-message-empty")["href"] == "/new_message"
    picker = empty.follows_link("#new-message")
    box = picker.by_id("people-q")
    assert box["hx-get"] == "/new_message" and "delay:" in box["hx-trigger"] and box["hx-target"] == "#people-results"
    found = me._request("get", box["hx-get"], {"q": "bo"}, htmx_from=(picker, box))  # what the box sends as you type
    results = found.fragment("#people-results")
    rows = results.find_all("li")
    assert [r["id"] for r in rows] == ["person-bob", "person-bobby", "person-bobcat"]  # allowed first
    assert rows[0].find("a")["href"] == "/messages/bob"
    assert "accepts messages only from people they follow" in text(rows[1].find(class_="person-refused"))
    assert "does not accept messages" in text(rows[2]) and rows[2].find("a") is None
    # without JavaScript: the same form, a page
    plain = picker.submits("#people-form", q="BOB")
    assert plain.status == 200 and plain.page().find(id="person-bob") is not None
    assert picker.submits("#people-form", q="alice").page().find(id="person-alice") is None  # not myself


def test_times_are_relative_today_and_a_date_after_a_day_with_the_full_date_as_title(client, alice, bob, signed_in):
    old, new = send(bob, alice, "old"), send(bob, alice, "new")
    db.session.execute(sa.update(Message).where(Message.id == old.id).values(timestamp=utcnow() - timedelta(days=3)))
    db.session.execute(sa.update(Message).where(Message.id == new.id).values(timestamp=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    thread = signed_in("alice", client).opens("/messages/bob")
    old_time = thread.by_id(f"message-{old.id}").find("time")
    new_time = thread.by_id(f"message-{new.id}").find("time")
    assert text(new_time) == "5 minutes ago"
    assert "ago" not in text(old_time) and str((utcnow() - timedelta(days=3)).year) in text(old_time)
    assert old_time["datetime"].startswith(str((utcnow() - timedelta(days=3)).date()))
    assert "Coordinated Universal Time" in old_time["title"]  # the full localized date
    es = actor(client, "alice").speaks("es").opens("/messages/bob").by_id(f"message-{new.id}").find("time")
    assert text(es) == "hace 5 minutos"


def test_search_my_messages_only(client, alice, bob, signed_in):
    carol, dave = make_user("carol"), make_user("dave")
    mine = send(bob, alice, "lunch at noon?")
    send(carol, dave, "lunch is secret")  # not my conversation
    hidden = send(bob, alice, "lunch again")
    me = signed_in("alice", client)
    thread = me.opens("/messages/bob")
    thread.follows_link(f"#message-actions-link-{hidden.id}").submits('form[action$="/hide"]')
    results = me.opens("/search?q=lunch")
    tab = [a for a in results.by_id("search-tabs").find_all("a") if text(a) == "Messages"][0]
    hits = results.with_htmx().follows_link('#search-tabs a[href$="tab=messages"]')
    assert tab["href"] == "/search?q=lunch&tab=messages"
    found = hits.fragment("#search-messages").find_all("article")
    assert [a["id"] for a in found] == [f"search-message-{mine.id}"]
    link = found[0].find("a")["href"]
    assert link == f"/messages/bob?before={mine.id + 1}#message-{mine.id}"
    assert me.opens(link).by_id(f"message-{mine.id}") is not None
    assert me.opens("/search?q=lunch&tab=nope").status == 400


def test_list_state_moves_with_every_change_to_my_conversations_and_only_theirs(
    client, alice, bob, statements, signed_in
):
    """The list's state is one row per user (`conversation_list_version`) bumped with each conversation's
    version: every change a row of mine shows answers the poll with the list; a conversation I am not in,
    none. Its poll reads that row, never my conversations (the same statement with 1 or 12 of them)."""
    carol = make_user("carol")
    send(bob, alice, "hello")
    me = signed_in("alice", client)

    def poll_url():
        return by_id(page(client.get("/messages")), "conversation-list-poller")["hx-get"]

    def changed(act) -> bool:
        before = poll_url()
        assert client.get(before, headers=HTMX).status_code == 204
        act()
        return client.get(before, headers=HTMX).status_code == 200

    assert changed(lambda: send(bob, alice, "news"))  # a message
    assert changed(lambda: me.opens("/messages/bob"))  # my read
    assert changed(lambda: me.opens("/messages/bob").submits("#mute-form"))  # mute
    assert changed(lambda: me.opens("/messages/bob").submits("#unread-form"))  # mark unread
    assert changed(lambda: acts.unsend(db.session.get(Message, send(bob, alice, "oops").id)))  # unsend
    assert changed(lambda: send(alice, bob, "mine"))  # a message I sent
    assert not changed(lambda: send(carol, bob, "not mine"))  # someone else's conversation
    url = poll_url()
    with statements.recording() as one:
        assert client.get(url, headers=HTMX).status_code == 204
    for i in range(11):
        send(make_user(f"friend{i}"), alice, "hi")
    url = poll_url()
    with statements.recording() as twelve:
        assert client.get(url, headers=HTMX).status_code == 204
    assert one.count == twelve.count == 1 and one.statements == twelve.statements
    assert "conversation_member" not in one.statements[0] and "sum(" not in one.statements[0].lower()
