"""What requests cost in SQL statements, counted (not timed): fixed whatever the data size (SPEC S5, S11 item 8)."""

import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from microblog.posts.models import Post
from tests.conftest import HTMX, make_user, send
from tests.html import fragment


def grow(alice, bob, n, others=()):
    db.session.add_all(Post(body=f"p{i}", user_id=bob.id) for i in range(n))
    db.session.commit()
    for i in range(n):
        send(bob, alice, f"m{i}")
        send(alice, bob, f"r{i}")
    for other in others:
        send(other, alice, "hello")


def newest_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(Message.id)))


def test_conversation_list_is_one_statement_for_the_page(app, client, signed_in, alice, bob, statements):
    for i in range(12):
        send(make_user(f"u{i}"), alice, "hi")
    signed_in("alice", client)
    with statements.recording() as log:
        assert client.get("/messages", headers=HTMX).status_code == 200
    # the user with the badge's count, then the page: memberships, people, last messages and counts at once
    assert log.count == 2, log.queries
    assert log.writes == []


def test_thread_with_news_runs_a_small_fixed_number_of_statements(app, client, signed_in, alice, bob, statements):
    grow(alice, bob, 30)
    signed_in("alice", client)
    with statements.recording() as log:
        assert client.get("/messages/bob", headers=HTMX).status_code == 200
    # user+badge, the other user with my membership, how we stand and "Seen" (messages/opening.py: one
    # statement), page of messages with their reactions (messages/window.py), lock, watermark update, total,
    # stamp, notification, upsert, and the push to the reader's other tabs; since S17: the conversation's
    # version, its bump and the push to the other side (for "Seen")
    assert log.count <= 13, log.queries


def test_idle_thread_poll_is_one_query_no_write_no_template(app, client, signed_in, alice, bob, statements):
    from flask import template_rendered

    send(bob, alice, "hi")
    signed_in("alice", client)
    client.get("/messages/bob")
    rendered = []
    template_rendered.connect(lambda sender, template, context, **kw: rendered.append(template.name), app)
    after = newest_id()
    with statements.recording() as log:
        response = client.get(f"/messages/bob?after={after}", headers=HTMX)
    assert response.status_code == 204
    assert log.count == 1 and log.writes == [], log.queries
    assert log.statements == log.queries, "one statement, its own transaction: no BEGIN"
    assert rendered == []


def test_thread_poll_with_news_is_fixed_whatever_the_thread_length(app, client, signed_in, alice, bob, statements):
    signed_in("alice", client)
    counts = []
    for n in (3, 40):
        grow(alice, bob, n)
        client.get("/messages/bob")
        after = newest_id()
        send(bob, alice, "news")
        with statements.recording() as log:
            assert client.get(f"/messages/bob?after={after}", headers=HTMX).status_code == 200
        counts.append(log.count)
    # since S17 more, none growing with the thread: the version, its bump, the push to the other side
    # ("Seen"), the shown messages' reactions; "Seen" is read with the other user (messages/opening.py)
    assert counts[0] == counts[1] <= 15, counts


def test_revisiting_a_read_thread_takes_no_lock_and_writes_nothing(app, client, signed_in, alice, bob, statements):
    """Nothing new since the last visit: the thread neither waits for nor holds the user's write lock."""
    grow(alice, bob, 5)
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9
    signed_in("alice", client)
    assert client.get("/messages/bob").status_code == 200  # marks the five read
    with statements.recording() as log:
        response = client.get("/messages/bob", headers=HTMX)
    assert response.status_code == 200
    assert log.writes == []
    assert not any("FOR NO KEY UPDATE" in s.upper() or "IMMEDIATE" in s.upper() for s in log.statements), log.statements
    # the user with the badge's count, the other user with my membership and "Seen" (one statement,
    # messages/opening.py), and the messages with their reactions (one statement, messages/window.py)
    assert log.count <= 3, log.queries


def test_the_people_picker_asks_no_query_per_person(app, client, signed_in, alice, statements):
    """New message's results: the people and how each stands with me (blocks, follows) in one statement."""
    signed_in("alice", client)

    def picker_statements() -> int:
        with statements.recording() as log:
            answer = client.get("/new_message?q=user", headers=HTMX)
            assert answer.status_code == 200
        return log.count

    make_user("user1")
    one = picker_statements()
    for i in range(2, 9):
        make_user(f"user{i}", about_me="hello")
    eight = picker_statements()
    assert "user8" in client.get("/new_message?q=user", headers=HTMX).get_data(as_text=True)
    assert eight == one


def test_the_picker_is_one_statement_and_exact_when_deleted_accounts_crowd_a_small_prefix(
    app, client, signed_in, alice, statements
):
    """A prefix of at most prefix.CAP names is one statement: its people, shortest live names first, and how each
    stands with me; deleted accounts are left out however many of the shortest they are (a prefix of more names
    is read by length: tests/users/test_prefix.py)."""
    from microblog.database import utcnow

    users = [make_user(f"zed{i}") for i in range(40)]
    signed_in("alice", client)

    def shown() -> list[str]:
        answer = client.get("/new_message?q=zed", headers=HTMX)
        assert answer.status_code == 200
        return [li["id"].removeprefix("person-") for li in fragment(answer).select("#people-results li[id]")]

    def expected() -> list[str]:
        live = [u.username_key for u in users if u.deleted_at is None]
        return sorted(live, key=lambda k: (len(k), k))[:8]

    with statements.recording() as log:
        first = shown()
    assert first == expected() == [f"zed{i}" for i in range(8)]
    assert log.count == 2, log.queries  # the user, then the people and how each stands with me
    for deleted in (users[:5], users[:30], users[:39]):  # a few of the shortest, most, all but one
        for u in deleted:
            u.deleted_at = utcnow()
        db.session.commit()
        assert shown() == expected(), [u.username for u in deleted]
    for u in users:
        u.deleted_at = utcnow()
    db.session.commit()
    assert shown() == []
