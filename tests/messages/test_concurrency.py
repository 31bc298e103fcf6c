"""Exactness under concurrency (SPEC S5, S11 items 3-5): the badge, the JSON payload and /messages
always agree with the database, with many senders, reads and polls at the same moment."""

# Users sign in through the form (the actor); the sends stay raw POSTs: many threads send as fast as they
# can, and opening the thread first would mark it read and change what is counted.

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Member, Message
from microblog.users.models import User
from tests.conftest import HTMX, make_user, send
from tests import truth
from tests.html import fragment, page, text

# Slow (threads racing for seconds), so out of `make test-quick`; `make test` and CI run every case.
pytestmark = pytest.mark.slow

SENDERS = 8
PER_SENDER = 25


def run_all(workers):
    errors = []

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guard(fn)) for fn in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert errors == [], errors


def badge_count(client) -> int:
    response = client.get("/notifications/badge", headers=HTMX)
    assert response.status_code == 200
    label = text(fragment(response, "#message-count").find(class_="visually-hidden"))
    return int(label.split()[0]) if label else 0


def json_count(client) -> int:
    payload = client.get("/notifications?since=0").get_json()
    counts = [n["data"] for n in payload if n["name"] == "unread_message_count"]
    return counts[0] if counts else 0


def listed_counts(client) -> dict[str, int]:
    """The conversation list as the user sees it: {other person: unread count shown}."""
    counts, page_number = {}, 1
    while True:
        response = client.get(f"/messages?page={page_number}")
        assert response.status_code == 200
        soup = page(response)
        for row in soup.find(id="conversation-list").select("li[id^=conversation-]"):
            hidden = row.find(class_="visually-hidden")
            label = text(hidden) if hidden and "unread" in text(hidden) else ""
            counts[row.find("a").get_text()] = int(label.split()[0]) if label else 0
        if soup.find("a", rel="next") is None:
            return counts
        page_number += 1


def thread_ids(client, other: str) -> list[int]:
    """Every message id of the conversation, following its "Earlier messages" links."""
    soup = page(client.get(f"/messages/{other}"))
    ids = [int(a["id"].split("-")[1]) for a in soup.find(id="message-log").find_all("article")]
    earlier = soup.find(id="earlier-messages")
    while earlier is not None:
        older = fragment(client.get(earlier["href"], headers=HTMX))
        ids = [int(a["id"].split("-")[1]) for a in older.find_all("article")] + ids
        earlier = older.find(id="earlier-messages")
    return ids


def test_many_senders_into_many_conversations_count_exactly(app, signed_in):
    """8 senders x 25 messages to one recipient at the same moment -> badge 200, payload 200, each
    conversation 25 in the list, and every message shown exactly once in its thread."""
    target = make_user("target")
    names = [make_user(f"sender{i}").username for i in range(SENDERS)]
    clients = [signed_in(name).client for name in names]
    barrier = threading.Barrier(SENDERS)

    def sender(client):
        def run():
            barrier.wait()
            for i in range(PER_SENDER):
                response = client.post(
                    "/send_message/target", data={"message": f"m{i}"}
                )  # raw: racing requests back to back (a page load before each would space them out)
                assert response.status_code == 303, response.status_code

        return run

    run_all([sender(c) for c in clients])
    total = SENDERS * PER_SENDER
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == total
    assert truth.unread_messages(db.session, target.id) == total
    reader = signed_in("target").client
    assert badge_count(reader) == total
    assert json_count(reader) == total
    app.config["MESSAGES_PER_PAGE"] = 3
    assert listed_counts(reader) == {name: PER_SENDER for name in names}
    app.config["THREAD_MESSAGES_PER_PAGE"] = 50
    seen = []
    for name in names:
        seen += thread_ids(reader, name)
    assert len(seen) == total and len(set(seen)) == total
    # Having opened every conversation, nothing is unread and all agree.
    assert truth.unread_messages(db.session, target.id) == 0
    assert badge_count(reader) == 0
    assert json_count(reader) == 0
    assert set(listed_counts(reader).values()) == {0}


def test_many_senders_into_one_conversation_count_exactly(app, signed_in):
    """Four sessions of one sender write into the same conversation at once: one conversation, exact counts."""
    target = make_user("target")
    make_user("sender")
    clients = [signed_in("sender").client for _ in range(4)]
    barrier = threading.Barrier(4)

    def sender(client):
        def run():
            barrier.wait()
            for i in range(PER_SENDER):
                assert (
                    client.post("/messages/target", data={"message": f"m{i}"}).status_code == 303
                )  # raw: racing requests back to back (a page load before each would space them out)

        return run

    run_all([sender(c) for c in clients])
    reader = signed_in("target").client
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 2
    assert truth.unread_messages(db.session, target.id) == 4 * PER_SENDER == badge_count(reader) == json_count(reader)
    assert listed_counts(reader) == {"sender": 4 * PER_SENDER}


def test_reads_and_polls_during_sends_never_disagree(app, signed_in):
    """While senders write into one open conversation and into others, the recipient keeps that thread open
    (reloading it and polling it) and polls the badge; at the end the badge, the payload, the list and
    the thread agree with the tables, and the thread has shown every message of its conversation."""
    target = make_user("target")
    names = [make_user(f"sender{i}").username for i in range(4)]
    clients = [signed_in(name).client for name in names]
    reader = signed_in("target").client
    thread_poller = signed_in("target").client
    poller = signed_in("target").client
    done = threading.Event()
    observed, shown = [], set()

    def sender(client):
        def run():
            for i in range(20):
                assert (
                    client.post("/send_message/target", data={"message": f"m{i}"}).status_code == 303
                )  # raw: racing requests back to back (a page load before each would space them out)

        return run

    def read_loop():
        while not done.is_set():
            assert reader.get("/messages/sender0").status_code == 200

    def thread_poll_loop():
        soup = page(thread_poller.get("/messages/sender0"))
        shown.update(int(a["id"].split("-")[1]) for a in soup.find(id="message-log").find_all("article"))
        url = soup.find(id="thread-poller")["hx-get"]
        while True:
            finished = done.is_set()
            response = thread_poller.get(url, headers=HTMX)
            assert response.status_code in (200, 204)
            if response.status_code == 200:
                soup = fragment(response)
                shown.update(int(a["id"].split("-")[1]) for a in soup.find_all("article"))
                url = soup.find(id="thread-poller")["hx-get"]
            if finished:
                return

    def poll_loop():
        while not done.is_set():
            observed.append(badge_count(poller))

    def senders_then_stop():
        run_all([sender(c) for c in clients])
        done.set()

    app.config["THREAD_MESSAGES_PER_PAGE"] = 100
    run_all([senders_then_stop, read_loop, thread_poll_loop, poll_loop])
    assert observed, "the poller never ran"
    expected = truth.unread_messages(db.session, target.id)
    assert badge_count(poller) == expected == json_count(poller)
    counts = listed_counts(poller)
    assert counts == {name: truth.unread_in(db.session, target.id, User.by_username(name).id) for name in names}
    assert counts["sender0"] == 0  # the open thread showed (and marked read) every message in it
    sender0 = User.by_username("sender0").id
    assert shown == set(db.session.scalars(sa.select(Message.id).where(Message.sender_id == sender0)))


def test_two_users_messaging_each_other_at_once_do_not_deadlock(app, signed_in):
    make_user("ann")
    make_user("ben")
    ann, ben = signed_in("ann").client, signed_in("ben").client
    barrier = threading.Barrier(2)

    def talk(client, to):
        def run():
            barrier.wait()
            for i in range(15):
                assert (
                    client.post(f"/send_message/{to}", data={"message": f"m{i}"}).status_code == 303
                )  # raw: racing requests back to back (a page load before each would space them out)

        return run

    run_all([talk(ann, "ben"), talk(ben, "ann")])
    assert badge_count(ann) == 15 and badge_count(ben) == 15


def test_send_and_mark_read_directly(app):
    """The unread module keeps the stored count equal to the truth, step by step."""
    from microblog.messages.models import membership
    from microblog.unread.counts import total_unread
    from microblog.unread.reads import mark_read

    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    for i in range(5):
        send(bob, alice, f"m{i}")  # ids 1..5
    send(carol, alice, "from carol")  # id 6
    assert truth.unread_messages(db.session, alice.id) == 6 == total_unread(alice.id)
    user = db.session.get(User, alice.id)
    member = membership(alice.id, bob.id)
    assert mark_read(user, member, 3) == 3
    assert truth.unread_messages(db.session, alice.id) == 3 and truth.unread_in(db.session, alice.id, bob.id) == 2
    assert mark_read(user, member, 2) is None  # the watermark never moves back: nothing written
    assert truth.unread_messages(db.session, alice.id) == 3
    assert mark_read(user, member, 5, clear=True) == 1
    assert truth.unread_messages(db.session, alice.id) == 1 and truth.unread_in(db.session, alice.id, carol.id) == 1


def test_a_conversations_newest_message_never_moves_back(app):
    """Two sends the opposite way in one conversation, the later id committing first: the slower one must
    not store its older id as the conversation's newest (the list's order and the unread total rely on it)."""
    from microblog.unread.counts import total_unread

    alice, bob = make_user("alice"), make_user("bob")
    send(alice, bob, "first")  # id 1, creates the conversation
    # As if a send the other way, with a higher id, had committed in between.
    db.session.execute(sa.update(Member).values(last_message_id=50))
    db.session.commit()
    send(bob, alice, "slower")  # id 2
    assert {m.last_message_id for m in db.session.scalars(sa.select(Member))} == {50}
    assert total_unread(alice.id) == 1 == truth.unread_messages(db.session, alice.id)


def test_no_message_is_committed_after_the_recipient_blocks_the_sender(app, signed_in):
    """Issue 20 item 4: 8 sessions of bob send to alice as fast as they can while alice blocks bob. Every send
    asks "may bob message alice?" again under alice's lock (the lock the block takes), so once the block is
    answered no further message of bob's is ever committed: the count taken right after the answer is final,
    and every later send is refused with 403."""
    alice_id, bob_id = make_user("alice").id, make_user("bob").id  # plain ids: no thread touches the test's session
    senders = [signed_in("bob").client for _ in range(SENDERS)]
    blocker = signed_in("alice").client
    started, stop = threading.Barrier(SENDERS + 1), threading.Event()
    after_block: list[int] = []

    def count_from_bob() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.sender_id == bob_id))

    def sender(client):
        def run():
            started.wait()
            while not stop.is_set():
                status = client.post(
                    "/send_message/alice", data={"message": "still here"}
                ).status_code  # raw: racing requests back to back (a page load before each would space them out)
                assert status in (303, 403), status

        return run

    def block():
        started.wait()
        while count_from_bob() < SENDERS:  # let the sends get going
            pass
        assert blocker.post("/block/bob").status_code in (200, 303)
        after_block.append(count_from_bob())
        for client in senders[:2]:  # sends that start after the answer are refused
            assert (
                client.post("/send_message/alice", data={"message": "late"}).status_code == 403
            )  # raw: racing requests back to back (a page load before each would space them out)
        stop.set()

    run_all([sender(c) for c in senders] + [block])
    assert after_block[0] == count_from_bob() > 0
    assert truth.unread_messages(db.session, alice_id) == after_block[0]


def test_sends_unsends_mutes_and_mark_unread_racing_keep_every_count_exact(app, signed_in):
    """Four senders send and unsend while the recipient mutes and unmutes one conversation, marks another
    unread and polls: at the end the badge, the JSON payload and the list agree with the tables, each row's
    count is its conversation's, and the rows of conversations not muted add up to the badge."""
    target_id = make_user("target").id
    names = [f"sender{i}" for i in range(4)]
    ids = {name: make_user(name).id for name in names}
    clients = {name: signed_in(name).client for name in names}
    actor_client, poller = signed_in("target").client, signed_in("target").client
    done = threading.Event()

    def newest_sent(sender_id: int) -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.max(Message.id)).where(Message.sender_id == sender_id))

    def sender(name):
        def run():
            for i in range(15):
                assert clients[name].post("/send_message/target", data={"message": f"m{i}"}).status_code == 303
                if i % 3 == 2:  # take back the newest one
                    response = clients[name].post(f"/messages/target/{newest_sent(ids[name])}/unsend")
                    assert response.status_code == 303, response.status_code

        return run

    def recipient():
        flip = 0
        while not done.is_set():
            flip ^= 1
            assert actor_client.post("/messages/sender1/mute", data={"muted": str(flip)}).status_code in (
                303,
                404,
            )  # raw: racing requests back to back (a page load before each would space them out)
            assert actor_client.post("/messages/sender2/unread").status_code in (
                303,
                404,
            )  # raw: racing requests back to back (a page load before each would space them out)
            badge_count(poller)
        assert (
            actor_client.post("/messages/sender1/mute", data={"muted": "1"}).status_code == 303
        )  # raw: racing requests back to back (a page load before each would space them out)

    def senders_then_stop():
        run_all([sender(name) for name in names])
        done.set()

    run_all([senders_then_stop, recipient])
    muted = db.session.scalar(
        sa.select(Member.muted).where(Member.user_id == target_id, Member.other_id == ids["sender1"])
    )
    assert muted is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.unsent.is_(True))) == 4 * 5
    expected = truth.unread_messages(db.session, target_id)
    assert badge_count(poller) == expected == json_count(poller)
    app.config["MESSAGES_PER_PAGE"] = 2
    counts = listed_counts(poller)
    assert counts == {name: truth.unread_in(db.session, target_id, ids[name]) for name in names}
    assert sum(count for name, count in counts.items() if name != "sender1") == expected
