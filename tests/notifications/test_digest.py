"""The daily digest (SPEC S18, "once a day"): one email a day for what arrived unread, never at once,
never twice, nothing when all was read. Time moved by passing `now`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from microblog.database import utcnow
from tests.auth.test_password_reset import parts
from tests.conftest import make_app, make_user, running, send
from tests.html import actor
from tests.notifications.test_unread_email import LATER, run_jobs, smtp  # noqa: F401 - the SMTP fixture


@pytest.fixture
def digest_app(database_url, smtp):  # noqa: F811
    app = make_app(
        database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT=2, UNREAD_EMAIL_DIGEST_HOUR=0
    )  # any hour of the day: the test does not depend on the clock
    with running(app):
        yield app


def chooses_daily(signed_in, app, username):
    client = app.test_client()
    signed_in(username, client)
    assert actor(client).opens("/email/settings").submits("#email-settings-form", unread="daily").status == 303


def test_one_digest_a_day_lists_each_conversation(digest_app, smtp, signed_in):  # noqa: F811
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    chooses_daily(signed_in, digest_app, "alice")
    send(bob, alice, "Lunch tomorrow?")
    send(bob, alice, "At noon")
    send(carol, alice, "¡Hola!")
    assert run_jobs(utcnow() + LATER) == ["sent"], "the digest, and no burst email at once"
    assert run_jobs(utcnow() + 2 * LATER) == [], "once a day"
    message = smtp.only()
    assert message["Subject"] == "[Microblog] Your day: 3 unread messages"
    text = parts(message)["text/plain"]
    assert "2 from bob: Lunch tomorrow?" in text and "1 from carol: ¡Hola!" in text
    assert "http://localhost/messages/bob" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert run_jobs(utcnow() + timedelta(days=1, hours=1)) == [], "nothing new arrived the next day"


def test_no_digest_when_everything_was_read(digest_app, smtp, signed_in):  # noqa: F811
    alice, bob = make_user("alice"), make_user("bob")
    chooses_daily(signed_in, digest_app, "alice")
    send(bob, alice, "hello")
    client = digest_app.test_client()
    signed_in("alice", client)
    actor(client).opens("/messages/bob")
    assert run_jobs(utcnow() + LATER) == []
    assert smtp.messages == []


def test_an_unsent_message_is_not_in_the_digest(digest_app, smtp, signed_in):  # noqa: F811
    from tests.messages.test_per_message import actions_of

    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    chooses_daily(signed_in, digest_app, "alice")
    send(bob, alice, "Lunch tomorrow?")
    oops = send(bob, alice, "Wrong person, sorry")
    regret = send(carol, alice, "Never mind")
    for sender, message in (("bob", oops), ("carol", regret)):  # each unsends through the message's actions
        thread = signed_in(sender, digest_app.test_client()).opens("/messages/alice")
        assert actions_of(thread, message.id).submits('form[action$="/unsend"]').status == 303
    assert run_jobs(utcnow() + LATER) == ["sent"]
    message = smtp.only()
    assert message["Subject"] == "[Microblog] Your day: 1 unread message"  # what her badge says
    text = parts(message)["text/plain"]
    assert "1 from bob: Lunch tomorrow?" in text
    assert "Wrong person" not in text and "carol" not in text  # carol's only message was unsent
