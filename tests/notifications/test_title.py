"""The unread count in the tab's title (SPEC S18): "(3) Home · Microblog", following the badge by poll,
push and reading, through htmx's own <title> handling (a <title> first in the answer it swaps)."""

import pytest

from tests.conftest import HTMX, send
from tests.html import actor, fragment, page, text

POLL = {**HTMX, "HX-Trigger": "message-count"}


def title_of(response) -> str:
    return text(page(response).find("title"))


def poll(client, shown, title="Home", **headers):
    query = {"shown": shown, "activity": "0", "title": title}
    return client.get("/notifications/badge", query_string=query, headers={**POLL, **headers})


def test_every_signed_in_page_title_starts_with_the_count(app, client, signed_in, alice, bob):
    signed_in("alice", client)
    assert title_of(client.get("/index")) == "Home · Microblog"
    send(bob, alice)
    send(bob, alice)
    for url, title in [
        ("/index", "(2) Home · Microblog"),
        ("/explore", "(2) Explore · Microblog"),
        ("/user/bob", "(2) bob · Microblog"),
        ("/messages", "(2) Messages · Microblog"),
    ]:
        assert title_of(client.get(url)) == title, url


def test_title_says_99_plus_like_the_badge_and_speaks_spanish(app, client, signed_in, alice, bob):
    for _ in range(100):
        send(bob, alice)
    signed_in("alice", client)
    assert title_of(client.get("/index")) == "(99+) Home · Microblog"
    spanish = client.get("/index", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert title_of(spanish) == "(99+) Inicio · Microblog"


def test_signed_out_pages_have_no_count(client, alice, bob):
    send(bob, alice)
    assert title_of(client.get("/auth/login")) == "Sign in · Microblog"


def test_the_badge_sends_its_page_title_and_a_changed_answer_starts_with_the_new_title(
    app, client, signed_in, alice, bob
):
    signed_in("alice", client)
    badge = page(client.get("/explore")).find(id="message-count")
    assert '"title": "Explore"' in badge["hx-vals"]
    send(bob, alice)
    response = poll(client, "0", title="Explore")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("<title>(1) Explore · Microblog</title>"), "htmx takes only a top-level <title>"
    assert '"title": "Explore"' in fragment(response, "#message-count")["hx-vals"]  # the next poll sends it again
    spanish = poll(client, "0", title="Explorar", **{"Accept-Language": "es"})
    assert spanish.get_data(as_text=True).startswith("<title>(1) Explorar · Microblog</title>")


def test_the_idle_poll_stays_an_empty_204(app, client, signed_in, alice, bob):
    send(bob, alice)
    signed_in("alice", client)
    response = poll(client, "1")
    assert response.status_code == 204 and response.get_data() == b""


def test_reading_drops_the_count_from_the_title(app, client, signed_in, alice, bob):
    send(bob, alice)
    signed_in("alice", client)
    assert title_of(client.get("/index")) == "(1) Home · Microblog"
    thread = client.get("/messages/bob")
    assert title_of(thread) == "Conversation with bob · Microblog"
    # A message that arrives while the conversation is open: its poll reads it, and its answer renames the tab.
    opened = actor(client).opens("/messages/bob")
    send(bob, alice)
    answer = opened.with_htmx().follows_link("#thread-poller")
    assert answer.status == 200
    assert answer.html.startswith("<title>Conversation with bob · Microblog</title>")
    assert '"shown": "0"' in answer.fragment("#message-count")["hx-vals"]


def test_deleting_a_conversation_by_htmx_renames_the_tab(app, client, signed_in, alice, bob):
    send(bob, alice)
    signed_in("alice", client)
    row = actor(client).opens("/messages").with_htmx().submits("#conversation-list form")
    assert row.status == 200
    assert row.html.startswith("<title>Messages · Microblog</title>")


def test_signed_out_badge_stops_polling_and_drops_the_count(client, alice, bob):
    response = poll(client, "3", title="Home")
    assert response.status_code == 286
    assert response.get_data(as_text=True).startswith("<title>Home · Microblog</title>")


@pytest.mark.parametrize("title", ["x" * 201])
def test_an_absurd_title_is_a_400(app, client, signed_in, alice, bob, title):
    send(bob, alice)
    signed_in("alice", client)
    assert poll(client, "0", title=title).status_code == 400


def test_a_hostile_title_is_escaped(app, client, signed_in, alice, bob):
    send(bob, alice)
    signed_in("alice", client)
    body = poll(client, "0", title="</title><script>x</script>").get_data(as_text=True)
    assert "<script>" not in body
    assert body.startswith("<title>(1) &lt;/title&gt;&lt;script&gt;x&lt;/script&gt; · Microblog</title>")


def test_search_as_you_type_gives_the_badge_the_new_title(app, client, signed_in, alice, bob):
    """The tab's title changes with the query; the badge, out-of-band, learns it, so its next answer keeps it."""
    send(bob, alice)
    signed_in("alice", client)
    answer = client.get("/search", query_string={"q": "dog"}, headers={**HTMX, "HX-Target": "search-results"})
    body = answer.get_data(as_text=True)
    assert body.startswith("<title>(1) Results for “dog” · Microblog</title>")
    badge = fragment(answer, "#message-count")
    assert badge["hx-swap-oob"] == "true" and '"title": "Results for \\u201cdog\\u201d"' in badge["hx-vals"]
