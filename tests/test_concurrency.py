"""Exactness under concurrency (SPEC S5, S11 items 3-5): the badge, the JSON payload and /messages
always agree with the database, with many senders, reads and polls at the same moment."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from microblog.users.models import User
from tests.conftest import HTMX, PASSWORD, make_user, send
from tests.html import fragment, page, text

SENDERS = 8
PER_SENDER = 25


def truth(user_id: int) -> int:
    """Unread messages straight from the tables."""
    watermark = db.session.scalar(sa.select(User.last_read_message_id).where(User.id == user_id))
    return db.session.scalar(
        sa.select(sa.func.count()).where(Message.recipient_id == user_id, Message.id > watermark)
    )


def signed_in(app, username):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303
    return client


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


def listed_ids(client) -> list[int]:
    ids, page_number = [], 1
    while True:
        response = client.get(f"/messages?page={page_number}")
        assert response.status_code == 200
        soup = page(response)
        ids += [int(a["id"].split("-")[1]) for a in soup.find(id="message-list").find_all("article")]
        if soup.find("a", rel="next") is None:
            return ids
        page_number += 1


def test_many_senders_at_once_count_exactly(app):
    """8 senders x 25 messages to one recipient at the same moment -> badge 200, payload 200, and
    every message listed exactly once across the pages."""
    target = make_user("target")
    names = [make_user(f"sender{i}").username for i in range(SENDERS)]
    clients = [signed_in(app, name) for name in names]
    barrier = threading.Barrier(SENDERS)

    def sender(client):
        def run():
            barrier.wait()
            for i in range(PER_SENDER):
                response = client.post("/send_message/target", data={"message": f"m{i}"})
                assert response.status_code == 303, response.status_code
        return run

    run_all([sender(c) for c in clients])
    total = SENDERS * PER_SENDER
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == total
    assert truth(target.id) == total
    reader = signed_in(app, "target")
    assert badge_count(reader) == total
    assert json_count(reader) == total
    app.config["MESSAGES_PER_PAGE"] = 50
    ids = listed_ids(reader)
    assert len(ids) == total and len(set(ids)) == total
    # Having read every page (newest first), nothing is unread and all three agree.
    assert truth(target.id) == 0
    assert badge_count(reader) == 0
    assert json_count(reader) == 0


def test_reads_and_polls_during_sends_never_disagree(app):
    """While senders write, the recipient keeps reading page 1 and polling; at the end, and after
    every read, the stored count equals the truth."""
    target = make_user("target")
    names = [make_user(f"sender{i}").username for i in range(4)]
    clients = [signed_in(app, name) for name in names]
    reader = signed_in(app, "target")
    poller = signed_in(app, "target")
    done = threading.Event()
    observed = []

    def sender(client):
        def run():
            for i in range(20):
                assert client.post("/send_message/target", data={"message": f"m{i}"}).status_code == 303
        return run

    def read_loop():
        while not done.is_set():
            assert reader.get("/messages").status_code == 200

    def poll_loop():
        while not done.is_set():
            observed.append(badge_count(poller))

    def senders_then_stop():
        run_all([sender(c) for c in clients])
        done.set()

    run_all([senders_then_stop, read_loop, poll_loop])
    assert observed, "the poller never ran"
    expected = truth(target.id)
    assert badge_count(poller) == expected
    assert json_count(poller) == expected
    # Whatever is still unread is exactly what is newer than the newest message shown.
    newest_listed = max(listed_ids(reader))
    assert truth(target.id) == 0
    assert newest_listed == db.session.scalar(sa.select(sa.func.max(Message.id)))


def test_two_users_messaging_each_other_at_once_do_not_deadlock(app):
    make_user("ann")
    make_user("ben")
    ann, ben = signed_in(app, "ann"), signed_in(app, "ben")
    barrier = threading.Barrier(2)

    def talk(client, to):
        def run():
            barrier.wait()
            for i in range(15):
                assert client.post(f"/send_message/{to}", data={"message": f"m{i}"}).status_code == 303
        return run

    run_all([talk(ann, "ben"), talk(ben, "ann")])
    assert badge_count(ann) == 15 and badge_count(ben) == 15


def test_send_and_mark_read_directly(app):
    """The model functions keep the stored count equal to the truth, step by step."""
    from microblog.messages.models import mark_read

    alice, bob = make_user("alice"), make_user("bob")
    for i in range(5):
        send(bob, alice, f"m{i}")
    assert truth(alice.id) == 5
    user = db.session.get(User, alice.id)
    user.unread_count = 5
    assert mark_read(user, 3) == 2
    assert truth(alice.id) == 2
    assert mark_read(user, 2) == 2  # the watermark never moves back
    assert truth(alice.id) == 2
