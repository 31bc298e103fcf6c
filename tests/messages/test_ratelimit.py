"""How fast one sender may send messages (SPEC S10): 429 with Retry-After, the form says why."""

from __future__ import annotations

import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from tests.conftest import PASSWORD, make_user
from tests.html import actor, by_id, fragment, page, text
from tests.auth.test_ratelimit import _login


def test_message_sending_per_sender(rl_client):
    alice, bob = make_user("alice"), make_user("bob")
    assert _login(rl_client, "alice", PASSWORD).status_code == 303
    thread = actor(rl_client).opens("/messages/bob")
    for n in range(4):
        response = thread.submits("#message-form", message=f"hi {n}")
        assert response.status_code == 303
    response = thread.submits("#message-form", message="one too many")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "sending messages too fast" in text(by_id(page(response), "message-error"))
    response = thread.with_htmx().submits("#message-form", message="again")
    assert response.status_code == 429
    assert "sending messages too fast" in text(fragment(response, "#message-error"))
    bodies = db.session.scalars(sa.select(Message.body).where(Message.sender_id == alice.id)).all()
    assert sorted(bodies) == [f"hi {n}" for n in range(4)]
    assert bob.id
