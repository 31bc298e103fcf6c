"""The actor of tests/html.py as tests/README.md shows it (kept working: the example is a test)."""

from tests.html import actor


def test_alice_follows_and_messages_bob(client, alice, bob):
    alice = actor(client, "alice")
    assert alice.signs_in().status == 303
    profile = alice.opens("/user/bob")
    follow = profile.with_htmx().presses("Follow")
    assert follow.fragment("#follow-button").get_text(strip=True) == "Unfollow"
    answer = profile.follows_link("Send private message").submits("#message-form", message="hi")
    assert answer.status == 303 and answer.location == "/messages/bob"
