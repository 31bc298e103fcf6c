"""What requests cost in SQL statements, counted (not timed): fixed whatever the data size (SPEC S5, S11 item 8)."""

import pytest

from microblog.extensions import db
from microblog.posts.models import Post
from tests.conftest import HTMX, send


def grow(alice, bob, n):
    db.session.add_all(Post(body=f"p{i}", user_id=bob.id) for i in range(n))
    db.session.commit()
    for i in range(n):
        send(bob, alice, f"m{i}")


@pytest.mark.parametrize("url", ["/index", "/explore", "/user/bob", "/messages", "/messages/sent",
                                 "/messages?page=2", "/notifications?since=0"])
def test_statement_count_does_not_grow_with_data(app, client, auth, alice, bob, statements, url):
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9  # keep last_seen out of the count
    alice.follow(bob)
    grow(alice, bob, 25)
    auth.login("alice")
    client.get("/messages?page=3")  # page 3 marks all read: later visits compare like with like
    with statements.recording() as small:
        assert client.get(url).status_code == 200
    grow(alice, bob, 60)
    client.get("/messages?page=9")
    with statements.recording() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, (small.queries, large.queries)
    # The inbox also moves the read watermark (new messages arrived): lock, update, count, notification,
    # and the push to the reader's other tabs.
    ceiling = 10 if url.startswith("/messages?") or url == "/messages" else 6
    assert large.count <= ceiling, large.queries


def test_inbox_with_news_runs_a_small_fixed_number_of_statements(app, client, auth, alice, bob, statements):
    grow(alice, bob, 30)
    auth.login("alice")
    with statements.recording() as log:
        assert client.get("/messages", headers=HTMX).status_code == 200
    # user+badge, page of messages, lock, watermark update, unread count, previous stamp, notification, upsert,
    # push to the reader's other tabs
    assert log.count <= 10, log.queries
    assert not any("count(*)" in q.lower() and "id >" not in q.lower() for q in log.queries if "message" in q.lower())


def test_pages_load_the_badge_with_the_user_in_one_query(app, client, auth, alice, bob, statements):
    send(bob, alice)
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9
    auth.login("alice")
    with statements.recording() as log:
        assert client.get("/messages/sent").status_code == 200
    notification_queries = [q for q in log.queries if "notification" in q.lower()]
    assert len(notification_queries) == 1 and '"user"' in notification_queries[0].replace("user.", '"user".')


def test_last_seen_written_at_most_once_a_minute_and_never_by_fragments(app, client, auth, alice, statements):
    auth.login("alice")
    client.get("/index")
    with statements.recording() as log:
        client.get("/explore")
        client.get("/index?page=1", headers=HTMX)
        client.get("/notifications/badge", headers=HTMX)
    assert log.writes == []


def test_revisiting_a_read_inbox_takes_no_lock_and_writes_nothing(app, client, auth, alice, bob, statements):
    """Nothing new since the last visit: /messages neither waits for nor holds the user's write lock."""
    grow(alice, bob, 5)
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9
    auth.login("alice")
    assert client.get("/messages").status_code == 200  # marks the five read
    with statements.recording() as log:
        response = client.get("/messages", headers=HTMX)
    assert response.status_code == 200
    assert log.writes == []
    assert not any("FOR NO KEY UPDATE" in s.upper() or "IMMEDIATE" in s.upper() for s in log.statements), log.statements
    assert log.count <= 3, log.queries  # the user with the badge's count, the page of messages
