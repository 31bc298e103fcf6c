"""Per-message actions (SPEC S17): react, edit, unsend, delete for me. Each is a POST form behind the message's
"Actions" link (loaded in place with htmx, a page of its own without JavaScript): htmx gets the message's own
partial back, a plain form 303 to the thread; the other side learns by its poll (or a push event that names no
text); nobody reaches a message outside their conversation."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from microblog.database import utcnow
from microblog.extensions import db
from microblog.messages.models import Hidden, Message, Reaction
from microblog.messages import actions
from tests.conftest import HTMX, make_user, send
from tests import truth
from tests.html import actor, by_id, fragment, page, submit, text


def actions_of(thread, message_id: int, htmx: bool = False):
    """The message's actions, opened from its "Actions" link: in place (htmx, a fragment) or as a page."""
    shown = thread.with_htmx() if htmx else thread
    opened = shown.follows_link(f'#message-{message_id} a[href$="/{message_id}/actions"]')
    assert opened.status == 200
    if htmx:
        assert opened.fragment(f"#message-actions-{message_id}") is not None
        return opened.with_htmx()
    return opened


def reaction_rows() -> list[tuple]:
    return db.session.execute(sa.select(Reaction.message_id, Reaction.user_id, Reaction.name)).all()


def test_react_toggles_one_reaction_per_person_in_place(client, alice, bob, signed_in):
    message = send(bob, alice, "Lunch?")
    thread = signed_in("alice", client).opens("/messages/bob")
    assert thread.by_id(f"message-{message.id}").find("form") is None  # the thread carries no forms per message
    link = thread.by_id(f"message-actions-link-{message.id}")
    assert link["href"] == link["hx-get"] == f"/messages/bob/{message.id}/actions"
    menu = actions_of(thread, message.id, htmx=True).fragment(f"#message-actions-{message.id}")
    form = menu.find("form", action=f"/messages/bob/{message.id}/react")
    assert (form["hx-target"], form["hx-swap"]) == (f"#message-{message.id}", "outerHTML")
    liked = actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="like")
    assert liked.status == 200
    swapped = liked.fragment(f"#message-{message.id}")
    assert "1 reaction: Like (yours)" in text(swapped.find(class_="message-reactions"))
    assert reaction_rows() == [(message.id, alice.id, "like")]
    # another one replaces mine; the same one again removes it
    actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="laugh")
    assert reaction_rows() == [(message.id, alice.id, "laugh")]
    again = actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="laugh")
    assert again.fragment(f"#message-{message.id}").find(class_="message-reactions") is None
    assert reaction_rows() == []


def test_reactions_count_per_person_and_without_javascript_303_back(client, app, alice, bob, signed_in):
    message = send(bob, alice, "Lunch?")
    bob_client = app.test_client()
    for person, c in (("alice", client), ("bob", bob_client)):
        thread = signed_in(person, c).opens("/messages/" + ("bob" if person == "alice" else "alice"))
        done = actions_of(thread, message.id).submits('form[action$="/react"]', reaction="love")
        assert done.status == 303
        assert done.location.endswith(f"#message-{message.id}")
    shown = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}")
    assert "2 reactions: Love (yours)" in text(shown.find(class_="message-reactions"))


def test_unknown_reaction_is_400_and_nothing_stored(client, alice, bob, signed_in):
    message = send(bob, alice, "Lunch?")
    thread = signed_in("alice", client).opens("/messages/bob")
    for junk in ("", "LIKE", "👍", "like " * 20, "x" * 5000):
        answer = actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction=junk)
        assert answer.status == 400, junk
        assert "Unknown reaction." in answer.text()
    assert reaction_rows() == []


def test_nobody_reaches_a_message_outside_their_conversation(client, alice, bob, signed_in):
    carol, dave = make_user("carol"), make_user("dave")
    theirs = send(carol, dave, "private")
    mine = send(bob, alice, "ours")
    signed_in("alice", client)
    for url in (
        f"/messages/bob/{theirs.id}/react",
        f"/messages/carol/{theirs.id}/react",
        f"/messages/dave/{theirs.id}/unsend",
        f"/messages/bob/{theirs.id}/edit",
        f"/messages/bob/{theirs.id}/hide",
        f"/messages/carol/{mine.id}/react",
        f"/messages/bob/{mine.id}/unsend",
        f"/messages/bob/{mine.id}/edit",
    ):  # not hers: she did not write it
        assert client.post(url, data={"reaction": "like", "message": "x"}).status_code == 404, (
            url
        )  # raw: the actions page offers none of these
    assert client.get(f"/messages/bob/{mine.id}/edit").status_code == 404
    assert (
        client.post("/messages/bob/99999/react", data={"reaction": "like"}).status_code == 404
    )  # raw: no such message, no page
    assert reaction_rows() == [] and db.session.scalars(sa.select(Message.body).order_by(Message.id)).all() == [
        "private",
        "ours",
    ]


def test_unsend_of_an_unread_message_drops_every_count_at_once(client, app, alice, bob, signed_in):
    first, second = send(bob, alice, "one"), send(bob, alice, "two")
    assert truth.badge(db.session, alice.id) == 2
    bob_seen = signed_in("bob", client).opens("/messages/alice")
    gone = actions_of(bob_seen, second.id, htmx=True).submits('form[action$="/unsend"]')
    assert gone.status == 200
    assert text(gone.fragment(f"#message-{second.id}")).endswith("This message was deleted")
    assert db.session.get(Message, second.id).body == ""
    # alice: the badge, the JSON feed, her list and her thread agree
    reader = app.test_client()
    signed_in("alice", reader)
    assert truth.badge(db.session, alice.id) == 1
    feed = [n["data"] for n in reader.get("/notifications?since=0").get_json() if n["name"] == "unread_message_count"]
    assert feed == [1]
    row = by_id(page(reader.get("/messages")), "conversation-list").find("li")
    assert "1 unread message" in text(row) and "This message was deleted" in text(row)
    log = by_id(page(reader.get("/messages/bob")), "message-log")
    assert "This message was deleted" in text(log.find(id=f"message-{second.id}"))
    assert "two" not in text(log) and "one" in text(log.find(id=f"message-{first.id}"))


def test_only_the_author_can_unsend_and_the_control_is_theirs_alone(client, alice, bob, signed_in):
    message = send(bob, alice, "mine, not yours")
    thread = signed_in("alice", client).opens("/messages/bob")
    assert actions_of(thread, message.id).page().find("form", action=f"/messages/bob/{message.id}/unsend") is None
    menu = actions_of(thread, message.id, htmx=True).fragment(f"#message-actions-{message.id}")
    assert menu.find("form", action=f"/messages/bob/{message.id}/react") is not None
    assert menu.find("form", action=f"/messages/bob/{message.id}/unsend") is None
    assert (
        client.post(f"/messages/bob/{message.id}/unsend").status_code == 404
    )  # raw: the menu has no unsend for it (checked above)
    assert db.session.get(Message, message.id).unsent is False


def test_edit_within_15_minutes_in_place_then_refused(client, alice, bob, signed_in):
    message = send(alice, bob, "See you at 11")
    thread = signed_in("alice", client).opens("/messages/bob").with_htmx()
    editing = actions_of(thread, message.id, htmx=True).follows_link('[href$="/edit"]')
    assert editing.status == 200
    saved = editing.with_htmx().submits(f"#message-{message.id} form", message="See you at noon\nat the usual place")
    assert saved.status == 200
    shown = saved.fragment(f"#message-{message.id}")
    assert "edited" in text(shown.find(class_="message-edited"))
    assert shown.find(class_="body-text").get_text() == "See you at noon\nat the usual place"
    # too long: 422 in place, nothing stored
    too_long = editing.with_htmx().submits(f"#message-{message.id} form", message="x" * 1001)
    assert too_long.status == 422 and "at most 1000" in too_long.text()
    assert db.session.get(Message, message.id).body == "See you at noon\nat the usual place"
    # 16 minutes later: the control is gone and a POST is refused with a clear message
    db.session.execute(sa.update(Message).values(timestamp=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    later = actor(client, "alice").opens("/messages/bob")
    menu = actions_of(later, message.id, htmx=True).fragment(f"#message-actions-{message.id}")
    assert menu.find("a", href=f"/messages/bob/{message.id}/edit") is None
    assert menu.find("form", action=f"/messages/bob/{message.id}/unsend") is not None
    refused = client.post(
        f"/messages/bob/{message.id}/edit", data={"message": "too late"}, headers=HTMX
    )  # raw: the edit link is gone after 15 minutes (checked above)
    assert refused.status_code == 403
    assert "within 15 minutes" in text(fragment(refused))
    assert db.session.get(Message, message.id).body == "See you at noon\nat the usual place"


def test_edit_without_javascript_is_a_page_and_303_back(client, alice, bob, signed_in):
    message = send(alice, bob, "typo hre")
    thread = signed_in("alice", client).opens("/messages/bob")
    editing = actions_of(thread, message.id).follows_link('[href$="/edit"]')
    assert editing.page().find("h1").get_text() == "Edit your message"
    done = editing.submits(f"#message-{message.id} form", message="typo here")
    assert done.status == 303 and done.location.endswith(f"#message-{message.id}")
    assert db.session.get(Message, message.id).body == "typo here"


def test_delete_for_me_changes_only_my_view(client, app, alice, bob, signed_in):
    message = send(bob, alice, "forget this")
    thread = signed_in("alice", client).opens("/messages/bob")
    form = actions_of(thread, message.id).page().find("form", action=f"/messages/bob/{message.id}/hide")
    assert (form["hx-target"], form["hx-swap"]) == (f"#message-{message.id}", "outerHTML")
    answer = actions_of(thread, message.id, htmx=True).submits('form[action$="/hide"]')
    assert answer.status == 200 and answer.html.strip().startswith('<div id="error-region"')  # the message goes away
    assert actor(client, "alice").opens("/messages/bob").soup.find(id=f"message-{message.id}") is None
    other = app.test_client()
    assert signed_in("bob", other).opens("/messages/alice").by_id(f"message-{message.id}") is not None
    assert db.session.execute(sa.select(Hidden.user_id, Hidden.message_id)).all() == [(alice.id, message.id)]
    # twice is fine, and without JavaScript it is 303 back
    again = submit(client, form)
    assert again.status_code == 404  # hidden from me: no longer reachable by its id


def test_a_message_deleted_for_me_does_not_come_back_with_the_poll(client, alice, bob, signed_in):
    """The newest message to me, deleted for me: the thread's poll (which asks for what came after the newest one
    shown) does not append it again (found by tests/house/test_fragments_fuzz.py)."""
    send(bob, alice, "keep this")
    message = send(bob, alice, "forget this")
    me = signed_in("alice", client)
    actions_of(me.opens("/messages/bob"), message.id, htmx=True).submits('form[action$="/hide"]')
    thread = me.opens("/messages/bob")
    assert thread.soup.find(id=f"message-{message.id}") is None
    polled = thread.with_htmx().follows_link("#thread-poller")  # what htmx asks 3 s later
    assert polled.status in (200, 204)
    assert f'id="message-{message.id}"' not in polled.html


def test_a_message_deleted_for_me_is_no_news_to_the_thread_s_poll(client, alice, bob, signed_in, statements):
    """The poll's one statement leaves out a message I deleted for myself: with it the newest to me, an idle
    poll stays one statement and a 204 (counting it as news sent every poll down the full path)."""
    send(bob, alice, "keep this")
    message = send(bob, alice, "forget this")
    me = signed_in("alice", client)
    actions_of(me.opens("/messages/bob"), message.id, htmx=True).submits('form[action$="/hide"]')
    thread = me.opens("/messages/bob")
    with statements.recording() as log:
        polled = thread.with_htmx().follows_link("#thread-poller")
    assert polled.status == 204 and log.count == 1, log.queries


def test_the_other_side_sees_each_change_by_its_poll(client, app, alice, bob, monkeypatch, signed_in):
    """bob's open thread polls: alice's reaction, bob's own... every change arrives as the message's partial,
    out-of-band, and the push events carry no text."""
    message = send(bob, alice, "Lunch?")
    bob_client = app.test_client()
    bob_thread = signed_in("bob", bob_client).opens("/messages/alice")
    poll = bob_thread.by_id("thread-poller")["hx-get"]
    assert bob_client.get(poll, headers=HTMX).status_code in (200, 204)
    poll = (
        by_id(fragment(r), "thread-poller")["hx-get"]
        if (r := bob_client.get(poll, headers=HTMX)).status_code == 200
        else poll
    )
    assert bob_client.get(poll, headers=HTMX).status_code == 204
    alice_thread = signed_in("alice", client).opens("/messages/bob")
    answer = bob_client.get(poll, headers=HTMX)  # alice read it: "Seen"
    assert answer.status_code == 200
    assert text(by_id(fragment(answer), "thread-seen")).startswith("Seen")
    poll = by_id(fragment(answer), "thread-poller")["hx-get"]
    published = []
    monkeypatch.setattr(actions, "publish", lambda user_id, *events: published.append((user_id, events)))
    actions_of(alice_thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="thanks")
    assert sorted(published) == [(alice.id, ("message",)), (bob.id, ("message",))]  # an event, never the text
    answer = bob_client.get(poll, headers=HTMX)
    assert answer.status_code == 200
    changed = fragment(answer).find(id=f"message-{message.id}")
    assert changed.find_parent("template") is not None  # htmx swaps it in by id and drops the template
    changed = BeautifulSoup(str(changed), "html.parser").article  # (bs4 reads no text inside a <template>)
    assert changed["hx-swap-oob"] == "true" and "1 reaction: Thanks" in text(changed)


@pytest.mark.parametrize("action", ["react", "unsend", "hide", "edit"])
def test_each_action_needs_the_csrf_token(csrf_app, action, signed_in):
    client = csrf_app.test_client()
    alice, bob = make_user("alice"), make_user("bob")
    message = send(alice, bob, "hello")
    thread = signed_in("alice", client).opens("/messages/bob")
    forged = client.post(
        f"/messages/bob/{message.id}/{action}", data={"reaction": "like", "message": "forged"}
    )  # raw: no CSRF token
    assert forged.status_code == 400
    assert reaction_rows() == [] and db.session.get(Message, message.id).body == "hello"
    if action == "edit":
        done = (
            actions_of(thread, message.id)
            .follows_link('[href$="/edit"]')
            .submits(f"#message-{message.id} form", message="real")
        )
    else:
        done = actions_of(thread, message.id).submits(f'form[action$="/{action}"]', reaction="like")
    assert done.status == 303


def test_a_thread_shows_each_messages_reactions_on_every_window(app, client, alice, bob, signed_in):
    """The thread reads its window of messages with their reactions in one statement (messages/window.py):
    each message shows its own, counted per person, mine marked, in the fixed order, on the first window and
    on the earlier one (a message just past a window's edge lends none of its reactions to the window)."""
    app.config["THREAD_MESSAGES_PER_PAGE"] = 3
    m0, m1, m2, m3, m4 = (send(bob if i % 2 else alice, alice if i % 2 else bob, f"m{i}") for i in range(5))
    given = [(m4, alice, "like"), (m4, bob, "like"), (m3, bob, "laugh"), (m3, alice, "love"), (m1, bob, "wow")]
    given += [(m0, alice, "sad")]
    db.session.add_all(Reaction(message_id=m.id, user_id=who.id, name=name) for m, who, name in given)
    db.session.commit()

    def shown(seen, message) -> list[str]:
        item = seen.by_id(f"message-{message.id}")
        return [text(li) for li in item.select(".message-reactions li")]

    thread = signed_in("alice", client).opens("/messages/bob")
    assert [a["id"] for a in thread.by_id("message-log").select("[id^=message-]") if a["id"][8:].isdigit()] == [
        f"message-{m.id}" for m in (m2, m3, m4)
    ]
    assert shown(thread, m4) == ["👍 2 2 reactions: Like (yours)"]
    assert shown(thread, m3) == ["❤️ 1 1 reaction: Love (yours)", "😂 1 1 reaction: Laugh"]
    assert shown(thread, m2) == []
    earlier = thread.with_htmx().follows_link("#earlier-messages")
    assert earlier.status == 200
    assert shown(earlier, m1) == ["😮 1 1 reaction: Wow"]
    assert shown(earlier, m0) == ["😢 1 1 reaction: Sad (yours)"]
