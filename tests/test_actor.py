"""The actor of tests/html.py as tests/README.md shows it (kept working: the example is a test)."""

from tests.conftest import make_user
from tests.html import actor


def test_alice_follows_and_messages_bob(client, alice, bob):
    alice = actor(client, "alice")
    assert alice.signs_in().status == 303
    profile = alice.opens("/user/bob")
    follow = profile.with_htmx().presses("Follow")
    assert follow.fragment("#follow-button").get_text(strip=True) == "Unfollow"
    answer = profile.follows_link("Send private message").submits("#message-form", message="hi")
    assert answer.status == 303 and answer.location == "/messages/bob"


def test_the_actor_works_with_csrf_on_both_ways(csrf_app):
    """The actor sends the form's own token, and through htmx the page's X-CSRFToken header: no 400."""
    client = csrf_app.test_client()
    make_user("alice")
    make_user("bob")
    alice = actor(client, "alice")
    assert alice.signs_in().status == 303
    home = alice.opens("/index")
    created = home.with_htmx().submits("#post-form", post="through htmx")
    assert created.status == 200 and "HX-Request" in created.headers["Vary"]
    assert "through htmx" in created.fragment().get_text()
    assert home.submits("#post-form", post="without JavaScript").status == 303
    assert alice.opens("/user/bob").with_htmx().presses("Follow").fragment("#follow-controls")
    assert alice.signs_out().status == 303
    assert alice.opens("/index").status == 302  # signed out for real
