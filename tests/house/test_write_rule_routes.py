"""The write rule over the writes the later issues added (posts, per-message actions, conversations, settings,
two-factor, account deletion, export): with the rule bypassed (no POST begins IMMEDIATE, and `begin_write`
declares nothing, so `changing` and `lock_user` do not either), each of them fails loudly under TESTING with
`UndeclaredWrite`, raised by its own act. So a write path added later cannot lose writes to "database is
locked" unnoticed (issue 28); tests/house/test_concurrent_writes.py shows the same routes hold with the rule."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from microblog import database
from microblog.database import UndeclaredWrite
from microblog.extensions import db
from microblog.notifications.email_compose import unsubscribe_token
from microblog.users import email as addresses
from microblog.users.models import User
from tests.conftest import PASSWORD, make_post, make_user, only_on, send
from tests.html import actor, text

pytestmark = only_on("sqlite")  # the rule is SQLite's (PostgreSQL locks rows: microblog.unread.locks.lock_user)


def bypass(monkeypatch) -> None:
    """Every transaction begins as a read: POSTs are not special, and the option begin_write sets is not seen."""
    monkeypatch.setattr(database, "write_request", lambda: False)
    options = sa.engine.Connection.get_execution_options
    monkeypatch.setattr(
        sa.engine.Connection,
        "get_execution_options",
        lambda conn: {k: v for k, v in options(conn).items() if k != database.IMMEDIATE},
    )


def two_factor_on(me) -> list[str]:
    section = me.opens("/settings/two-factor")
    done = section.submits("#enable-2fa-form", code=pyotp.TOTP(section.text("totp-secret")).now())
    return [text(li) for li in done.by_id("recovery-codes").find_all("li")]


def user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


# Each: (what it is, where its act lives, how to reach the form: alice signed in -> (page, form, fields)).
ROUTES = {
    "edit post": (
        "posts",
        lambda me: (me.opens(f"/post/{make_post(user('alice')).id}/edit"), "#post-edit-form", {"post": "new"}),
    ),
    "delete post": (
        "posts",
        lambda me: (me.opens(f"/post/{make_post(user('alice')).id}/delete"), "#delete-post-confirm", {}),
    ),
    "react": ("messages", lambda me: message_form(me, "bob", "react", reaction="like")),
    "unsend": ("messages/acts", lambda me: message_form(me, "alice", "unsend")),
    "delete for me": ("messages", lambda me: message_form(me, "bob", "hide")),
    "edit message": ("messages", lambda me: edit_message(me)),
    "mute": ("messages/acts", lambda me: (conversation(me), "#mute-form", {})),
    "mark unread": ("messages/acts", lambda me: (conversation(me), "#unread-form", {})),
    "privacy": ("users", lambda me: (me.opens("/settings/privacy"), "#privacy-form", {"message_policy": "nobody"})),
    "appearance": ("users", lambda me: (me.opens("/appearance"), "#appearance-form", {"theme": "dark"})),
    "email settings": (
        "notifications",
        lambda me: (me.opens("/email/settings"), "#email-settings-form", {"unread": "daily"}),
    ),
    "change email": (
        "users",
        lambda me: (me.opens("/settings/account"), "#email-form", {"email": "new@example.com", "password": PASSWORD}),
    ),
    "verify email": ("users", lambda me: (me.opens(f"/auth/verify_email/{verify_link()}"), "#verify-email-form", {})),
    "unsubscribe": (
        "notifications",
        lambda me: (
            me.opens(f"/email/unsubscribe/{unsubscribe_token(user('alice').id)}"),
            'form[action^="/email/unsubscribe/"]',
            {},
        ),
    ),
    "enable two-factor": ("auth", lambda me: enable_form(me)),
    "disable two-factor": ("auth", lambda me: disable_form(me)),
    "login code": ("auth", lambda me: code_form(me)),
    "delete account": (
        "users",
        lambda me: (me.opens("/settings/delete"), "#delete-account-form", {"password": PASSWORD}),
    ),
    "export": ("export", lambda me: (me.opens("/export"), "#export-form", {})),
}
# Not here: "resend verification" and "dismiss banner" store nothing of their own (an email, the session; the
# resend's rate-limit count is off in tests); test_concurrent_writes.py drives them with the limits on.


def message_form(me, sender: str, action: str, **fields):
    message = send(user(sender), user("bob" if sender == "alice" else "alice"), "hi")
    menu = me.opens(f"/messages/bob/{message.id}/actions")  # the message's Actions link, without script
    return menu, f'#message-actions-{message.id} form[action$="/{action}"]', fields


def edit_message(me):
    message = send(user("alice"), user("bob"), "hi")
    return me.opens(f"/messages/bob/{message.id}/edit"), f"#message-{message.id} form", {"message": "edited"}


def conversation(me):
    send(user("bob"), user("alice"), "hi")
    return me.opens("/messages/bob")


def verify_link() -> str:
    alice = user("alice")
    alice.pending_email = "new@example.com"
    db.session.commit()
    return addresses.verify_token(alice, "new@example.com")


def enable_form(me):
    section = me.opens("/settings/two-factor")
    return section, "#enable-2fa-form", {"code": pyotp.TOTP(section.text("totp-secret")).now()}


def disable_form(me):
    codes = two_factor_on(me)
    return me.opens("/settings/two-factor"), "#disable-2fa-form", {"password": PASSWORD, "code": codes[0]}


def code_form(me):
    codes = two_factor_on(me)
    me.signs_out()
    assert me.opens("/auth/login").submits("#login-form", username="alice", password=PASSWORD).status == 303
    return me.opens("/auth/login/code"), "#login-code-form", {"code": codes[0]}


@pytest.mark.parametrize("route", ROUTES)
def test_each_later_write_fails_loudly_when_the_rule_is_bypassed(csrf_app, monkeypatch, route):
    make_user("alice")
    make_user("bob")
    me = actor(csrf_app.test_client(), "alice")
    assert me.signs_in().status == 303
    module, reach = ROUTES[route]
    page, form, fields = reach(me)
    bypass(monkeypatch)
    with pytest.raises(UndeclaredWrite) as raised:
        page.submits(form, **fields)
    assert any(
        f"/microblog/{module}/" in str(entry.path) or f"/microblog/{module}.py" in str(entry.path)
        for entry in raised.traceback
    ), f"{route}: raised outside microblog/{module}"


def test_with_the_rule_the_same_writes_pass(csrf_app):
    """The control: the same forms, the rule in place (each route's own tests check what they store)."""
    make_user("alice")
    make_user("bob")
    me = actor(csrf_app.test_client(), "alice")
    assert me.signs_in().status == 303
    for route in ("edit post", "react", "mute", "privacy", "email settings", "export"):
        page, form, fields = ROUTES[route][1](me)
        assert page.submits(form, **fields).status in (200, 303), route
