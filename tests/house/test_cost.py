"""What any page costs in SQL statements, counted (not timed): fixed whatever the data size (SPEC S5, S11 item 8)."""

import pytest

from microblog.users.relations import follow
from tests.conftest import HTMX, make_user
from tests.messages.test_cost import grow

# Slow (a second a case: it seeds hundreds of rows twice), so out of `make test-quick`; `make test` and CI run it.
# tests/house/test_query_counts.py pins every page's count with small data in the quick loop.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "url",
    [
        "/index",
        "/explore",
        "/user/bob",
        "/messages",
        "/messages?page=2",
        "/messages/bob",
        "/messages/bob?before={deep}",
        "/notifications?since=0",
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_statement_count_does_not_grow_with_data(app, client, signed_in, alice, bob, statements, url, htmx):
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9  # keep last_seen out of the count
    app.config["MESSAGES_PER_PAGE"] = 3
    follow(alice, bob)
    grow(alice, bob, 25, [make_user(f"u{i}") for i in range(8)])
    signed_in("alice", client)
    client.get("/messages/bob")  # reads the thread: later visits compare like with like
    headers = HTMX if htmx else {}
    with statements.recording() as small:
        assert client.get(url.format(deep=20), headers=headers).status_code == 200
    grow(alice, bob, 60, [make_user(f"v{i}") for i in range(8)])
    client.get("/messages/bob")
    with statements.recording() as large:
        assert client.get(url.format(deep=100), headers=headers).status_code == 200
    assert large.count == small.count, (small.queries, large.queries)
    # (a thread page: user, other, membership, messages, who may message, and since S17 the shown messages'
    # reactions and "Seen": 7)
    assert large.count <= 7, large.queries
