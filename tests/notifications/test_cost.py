"""What the navbar badge costs in SQL statements on every page (SPEC S5, S11 item 8)."""

from tests.conftest import send


def test_pages_load_the_badge_with_the_user_in_one_query(app, client, signed_in, alice, bob, statements):
    send(bob, alice)
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9
    signed_in("alice", client)
    with statements.recording() as log:
        assert client.get("/messages").status_code == 200
    notification_queries = [q for q in log.queries if "notification" in q.lower()]
    assert len(notification_queries) == 1 and '"user"' in notification_queries[0].replace("user.", '"user".')
