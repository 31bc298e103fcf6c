"""Email for unread messages (SPEC S18) with a real SMTP server (aiosmtpd): one email per conversation burst,
never after reading, unsending or being active; settings; language; one-click unsubscribe signed out;
retries then a log line. Time is moved by passing `now`, never by sleeping."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from microblog.database import utcnow
from microblog.extensions import db
from microblog.mail import MailError
from microblog.messages.models import Message
from microblog.notifications import email_hooks
from microblog.notifications.email_compose import unsubscribe_token
from microblog.notifications.email_models import EmailPreference, UnreadEmail
from microblog.notifications.unread_email import deliver, owe
from microblog.users.models import User
from tests.smtp import smtp_server
from tests.auth.test_password_reset import Inbox, parts
from tests.conftest import make_app, make_user, running, send
from tests.html import actor, text


LATER = timedelta(minutes=11)  # past UNREAD_EMAIL_MINUTES (10)


class Refusing(Inbox):
    """Says "try again later" to the first `refuse` emails, then takes them."""

    def __init__(self, refuse: int = 0, hang: float = 0):
        super().__init__()
        self.refuse, self.hang = refuse, hang

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            await asyncio.sleep(self.hang)
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    inbox = Refusing()
    with smtp_server(inbox) as inbox.port:
        yield inbox


@pytest.fixture
def mail_app(database_url, smtp):
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_TIMEOUT=2,
        PUBLIC_URL="https://localhost",  # RFC 8058: an https unsubscribe URL
        MAIL_DEFAULT_SENDER="Microblog <no-reply@example.com>",
    )
    with running(app):
        yield app


@pytest.fixture
def people(mail_app):
    return make_user("alice"), make_user("bob"), make_user("carol")


def run_jobs(now):
    """What the periodic scan and its jobs do at `now`: owe what is due, deliver each."""
    return [deliver(email_id, now) for email_id in owe(now)]


def test_one_email_per_burst_with_sender_preview_count_and_link(mail_app, smtp, people):
    alice, bob, _ = people
    for body in ("Lunch tomorrow?", "At noon", "Bring the book"):
        send(bob, alice, body)
    assert run_jobs(utcnow() + timedelta(minutes=5)) == [], "not before UNREAD_EMAIL_MINUTES"
    assert run_jobs(utcnow() + LATER) == ["sent"]
    assert run_jobs(utcnow() + 2 * LATER) == [], "one email per burst, never one per message"
    message = smtp.only()
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "[Microblog] 3 new messages from bob"
    body = parts(message)
    assert "bob sent you 3 messages you have not read yet:" in body["text/plain"]
    assert "Lunch tomorrow?" in body["text/plain"] and "At noon" not in body["text/plain"]  # the first, short
    assert "https://localhost/messages/bob" in body["text/plain"]
    assert 'href="https://localhost/messages/bob"' in body["text/html"]
    # RFC 8058: an https URL and the one-click POST header
    assert message["List-Unsubscribe"].strip().startswith("<https://localhost/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_new_burst_after_the_email_brings_one_more(mail_app, smtp, people):
    alice, bob, carol = people
    send(bob, alice, "first")
    assert run_jobs(utcnow() + LATER) == ["sent"]
    send(bob, alice, "second")
    send(carol, alice, "from carol")  # another conversation: its own email
    assert sorted(run_jobs(utcnow() + 2 * LATER)) == ["sent", "sent"]
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects == [
        "[Microblog] 1 new message from bob",
        "[Microblog] 1 new message from bob",
        "[Microblog] 1 new message from carol",
    ]


def test_a_long_message_is_cut_short_in_the_preview(mail_app, smtp, people):
    alice, bob, _ = people
    send(bob, alice, "word " * 28)
    run_jobs(utcnow() + LATER)
    assert "word word…" in parts(smtp.only())["text/plain"]


def test_never_after_reading(mail_app, smtp, people, signed_in):
    alice, bob, _ = people
    send(bob, alice, "read me")
    client = mail_app.test_client()
    signed_in("alice", client)
    actor(client).opens("/messages/bob")
    assert run_jobs(utcnow() + LATER) == []
    assert smtp.messages == []


def test_read_or_unsent_after_it_was_owed_drops_it(mail_app, smtp, people, signed_in):
    alice, bob, carol = people
    send(bob, alice, "read me")
    unsent = send(carol, alice, "oops")
    owed = owe(utcnow() + LATER)
    assert len(owed) == 2
    client = mail_app.test_client()
    signed_in("alice", client)
    actor(client).opens("/messages/bob")  # read before the job ran
    db.session.execute(sa.delete(Message).where(Message.id == unsent.id))  # unsent
    db.session.commit()
    assert [deliver(email_id, utcnow() + LATER) for email_id in owed] == ["dropped", "dropped"]
    assert smtp.messages == []


def test_not_while_the_recipient_was_active_since(mail_app, smtp, people):
    alice, bob, _ = people
    send(bob, alice, "hello")
    db.session.execute(sa.update(User).where(User.id == alice.id).values(last_seen=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    assert run_jobs(utcnow() + LATER) == []


@pytest.mark.parametrize("hook", ["is_muted", "may_email"])
def test_the_mute_and_verification_hooks_stop_it(mail_app, smtp, people, monkeypatch, hook):
    alice, bob, _ = people
    monkeypatch.setattr(email_hooks, hook, (lambda _: True) if hook == "is_muted" else (lambda _: False))
    send(bob, alice, "hello")
    assert run_jobs(utcnow() + LATER) == ["dropped"]
    assert smtp.messages == []


def test_settings_never_and_daily_send_nothing_at_once(mail_app, smtp, people, signed_in):
    alice, bob, carol = people
    client = mail_app.test_client()
    signed_in("alice", client)
    settings = actor(client).opens("/email/settings")
    assert settings.status == 200
    assert settings.submits("#email-settings-form", unread="never").status == 303
    signed_in("bob", mail_app.test_client())
    send(bob, alice, "hello")
    assert run_jobs(utcnow() + LATER) == []
    assert actor(client).opens("/email/settings").submits("#email-settings-form", unread="daily").status == 303
    mail_app.config["UNREAD_EMAIL_DIGEST_HOUR"] = 0  # whatever the hour now: the day's digest is due
    sent = run_jobs(utcnow() + LATER)
    assert sent == ["sent"] and smtp.only()["Subject"] == "[Microblog] Your day: 1 unread message"
    assert db.session.get(EmailPreference, alice.id).unread == "daily"


def test_settings_page_fragment_and_bad_choice(mail_app, people, signed_in):
    client = mail_app.test_client()
    signed_in("alice", client)
    full = actor(client).opens("/email/settings")
    assert text(full.page().find("title")) == "Email settings · Microblog"
    fragment = actor(client).opens("/email/settings", **{"HX-Request": "true"})
    assert fragment.html.lstrip().startswith('<div id="email-settings">')
    wrong = actor(client).opens("/email/settings").submits("#email-settings-form", unread="weekly")
    assert wrong.status == 422
    assert db.session.get(EmailPreference, people[0].id) is None, "nothing stored"


def test_the_email_speaks_the_recipients_language(mail_app, smtp, people, signed_in):
    alice, bob, _ = people
    client = mail_app.test_client()
    signed_in("alice", client)
    actor(client).opens("/index", **{"Accept-Language": "es-ES,es;q=0.9"})
    assert db.session.get(EmailPreference, alice.id).locale == "es"
    db.session.execute(sa.update(User).where(User.id == alice.id).values(last_seen=utcnow() - timedelta(hours=1)))
    db.session.commit()
    send(bob, alice, "hola")
    send(bob, alice, "¿qué tal?")
    run_jobs(utcnow() + LATER)
    message = smtp.only()
    assert message["Subject"] == "[Microblog] 2 mensajes nuevos de bob"
    assert "bob te ha enviado 2 mensajes que aún no has leído:" in parts(message)["text/plain"]


def test_one_click_unsubscribe_works_signed_out(mail_app, smtp, people):
    alice, bob, _ = people
    send(bob, alice, "hello")
    run_jobs(utcnow() + LATER)
    url = smtp.only()["List-Unsubscribe"].strip().strip("<>").replace("https://localhost", "")
    client = mail_app.test_client()  # signed out, no CSRF token: as a mail client's POST
    asked = actor(client).opens(url)
    assert asked.status == 200 and "Stop the emails about unread messages?" in asked.text("unsubscribe")
    answer = client.post(
        url, data={"List-Unsubscribe": "One-Click"}
    )  # raw: a mail client's one-click POST (RFC 8058), not a page's form
    assert answer.status_code == 200
    assert "You will no longer get emails about unread messages." in answer.get_data(as_text=True)
    assert db.session.get(EmailPreference, alice.id).unread == "never"
    send(bob, alice, "again")
    assert run_jobs(utcnow() + 2 * LATER) == []


def test_tampered_and_unknown_unsubscribe_links_change_nothing(mail_app, people):
    alice = people[0]
    client = mail_app.test_client()
    token = unsubscribe_token(alice.id)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for url in (f"/email/unsubscribe/{tampered}", "/email/unsubscribe/" + "x" * 300):
        answer = client.post(
            url, data={"List-Unsubscribe": "One-Click"}
        )  # raw: a mail client's one-click POST (RFC 8058), not a page's form
        assert answer.status_code == 400
        assert "This unsubscribe link is not valid." in answer.get_data(as_text=True)
    gone = unsubscribe_token(999_999)
    assert client.post(f"/email/unsubscribe/{gone}").status_code == 404  # raw: a link for an account that is gone
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmailPreference)) == 0


def test_a_refusing_server_is_retried_then_given_up_with_a_log_line(database_url, caplog):
    inbox = Refusing(refuse=100)
    with smtp_server(inbox) as port:
        app = make_app(
            database_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_TIMEOUT=2,
            UNREAD_EMAIL_MAX_ATTEMPTS=3,
            UNREAD_EMAIL_RETRY_SECONDS=60,
        )
        with running(app):
            alice, bob = make_user("alice"), make_user("bob")
            send(bob, alice, "hello")
            now = utcnow() + LATER
            (email_id,) = owe(now)
            with pytest.raises(MailError):
                deliver(email_id, now)
            assert owe(now + timedelta(seconds=30)) == [], "held until the retry time"
            assert deliver(email_id, now + timedelta(seconds=30)) == "taken"
            with pytest.raises(MailError):
                deliver(email_id, now + timedelta(seconds=61))
            with caplog.at_level(logging.ERROR, logger="microblog.email"):
                assert deliver(email_id, now + timedelta(seconds=122)) == "failed"
            assert "gave up after 3 attempts" in caplog.text
            assert db.session.get(UnreadEmail, email_id).state == "failed"
            assert owe(now + timedelta(hours=1)) == [], "given up for good"


def test_a_hanging_server_times_out_and_is_retried(database_url):
    inbox = Refusing(hang=3)
    with smtp_server(inbox) as port:
        app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=1)
        with running(app):
            alice, bob = make_user("alice"), make_user("bob")
            send(bob, alice, "hello")
            now = utcnow() + LATER
            (email_id,) = owe(now)
            with pytest.raises(MailError):
                deliver(email_id, now)
            email = db.session.get(UnreadEmail, email_id)
            assert email.state == "pending" and email.attempts == 1


def test_settings_with_csrf_on_and_the_unsubscribe_fragment(csrf_app, signed_in):
    alice = make_user("alice")
    client = csrf_app.test_client()
    signed_in("alice", client)
    assert actor(client).opens("/email/settings").submits("#email-settings-form", unread="never").status == 303
    assert db.session.get(EmailPreference, alice.id).unread == "never"
    assert client.post("/email/settings", data={"unread": "instant"}).status_code == 400, "no CSRF token"
    assert db.session.get(EmailPreference, alice.id).unread == "never"
    url = f"/email/unsubscribe/{unsubscribe_token(alice.id)}"
    fragment = actor(csrf_app.test_client()).opens(url, **{"HX-Request": "true"})
    assert fragment.status == 200 and fragment.html.lstrip().startswith('<div id="unsubscribe">')
