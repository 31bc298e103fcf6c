"""What keeping last_seen costs: at most one write a minute, never from fragments (SPEC S5)."""

from tests.conftest import HTMX


def test_last_seen_written_at_most_once_a_minute_and_never_by_fragments(app, client, signed_in, alice, statements):
    signed_in("alice", client)
    client.get("/index")
    with statements.recording() as log:
        client.get("/explore")
        client.get("/index?page=1", headers=HTMX)
        client.get("/notifications/badge", headers=HTMX)
    assert log.writes == []
