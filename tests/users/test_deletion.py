"""Deleting an account (SPEC S19): asked with the password (and a code with two-factor), then at once the
profile, posts, follows, blocks, activity and sessions are gone; messages stay with the other person, from
"Deleted account", with exact counts; the name stays reserved. Renamed users' old names are reserved too."""

from __future__ import annotations

import pyotp
import sqlalchemy as sa

from microblog.activity.models import Activity
from microblog.posts.changes import create_post
from microblog.auth.password_reset import reset_token
from microblog.extensions import db
from microblog.notifications.models import UNREAD_ACTIVITY_COUNT, UNREAD_MESSAGE_COUNT, Notification
from microblog.posts.models import Post
from microblog.unread.counts import total_activity, total_unread
from microblog.users.models import ReservedName, User
from microblog.users.relations import Block, followers
from tests.conftest import PASSWORD, make_user, send
from tests.html import actor, page, text
from tests.push.test_push import Stream, push_app, ready  # noqa: F401 - push_app is a fixture


def count(table, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(table).where(*where))


def stored_count(user_id: int, name: str) -> int:
    payload = db.session.scalar(
        sa.select(Notification.payload_json).where(Notification.user_id == user_id, Notification.name == name)
    )
    return int(payload or 0)


def a_full_life(alice, bob, carol, client, signed_in):
    """alice posts (mentioning carol), follows bob and is followed by him, blocks carol, and writes to bob."""
    create_post(alice, "hello @carol")
    for who, whom in [("alice", "bob"), ("bob", "alice")]:
        signed_in(who, client)
        actor(client).opens(f"/user/{whom}").presses("Follow")
        actor(client).signs_out()
    db.session.add(Block(blocker_id=alice.id, blocked_id=carol.id))
    db.session.commit()
    send(bob, alice, "hi alice")
    send(alice, bob, "one")
    send(alice, bob, "two")


def test_deleting_removes_everything_of_the_person_and_keeps_the_messages(app, client, signed_in):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    a_full_life(alice, bob, carol, client, signed_in)
    assert stored_count(carol.id, UNREAD_ACTIVITY_COUNT) == 1 and stored_count(bob.id, UNREAD_ACTIVITY_COUNT) == 1
    other_browser = app.test_client()
    signed_in("alice", other_browser)
    with app.test_request_context():
        reset_link = f"/auth/reset_password/{reset_token(alice)}"

    me = actor(client, "alice")
    me.signs_in()
    section = me.opens("/settings/delete")
    assert section.by_id("delete-account-form")["hx-confirm"]
    wrong = section.submits("#delete-account-form", password="not my password")
    assert wrong.status == 422 and wrong.by_id("password-error")
    assert count(Post, Post.user_id == alice.id) == 1  # nothing changed
    done = me.opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    assert done.status == 303 and done.location == "/index"
    assert client.get("/index").status_code == 302  # signed out
    assert "Your account has been deleted" in text(page(client.get("/auth/login")))

    gone = db.session.get(User, alice.id)
    assert gone.is_deleted and gone.about_me is None and not gone.has_address and gone.totp_secret is None
    assert count(Post, Post.user_id == alice.id) == 0
    assert count(followers, sa.or_(followers.c.follower_id == alice.id, followers.c.followed_id == alice.id)) == 0
    assert count(Block) == 0
    assert count(Activity, sa.or_(Activity.actor_id == alice.id, Activity.user_id == alice.id)) == 0
    # Other people's counts follow, exactly: carol's mention and bob's "alice followed you" went away.
    for other in (bob, carol):
        assert stored_count(other.id, UNREAD_ACTIVITY_COUNT) == total_activity(other.id) == 0
    # Messages stay: bob keeps both of alice's messages unread, and his badge says so.
    assert stored_count(bob.id, UNREAD_MESSAGE_COUNT) == total_unread(bob.id) == 2
    # Sessions end at once: the other browser, the sign-in, the reset link.
    assert other_browser.get("/index").status_code == 302
    assert actor(client, "alice").signs_in().status == 422
    assert client.get(reset_link).status_code in (302, 303)
    # The profile, its card and following it are gone.
    bobs = actor(client, "bob")
    bobs.signs_in()
    assert client.get("/user/alice").status_code == 404
    assert client.get("/user/alice/popup", headers={"HX-Request": "true"}).status_code == 404
    assert client.post("/follow/alice").status_code == 404  # raw: a deleted account's page offers no button
    # bob's conversation stays, from "Deleted account", and nobody can write to it.
    inbox = bobs.opens("/messages")
    assert "Deleted account" in inbox.text("conversation-list") and "alice" not in inbox.text("conversation-list")
    thread = bobs.opens(inbox.by_id("conversation-list").find("a")["href"])
    assert thread.status == 200
    log = thread.text("message-log")
    assert "Deleted account" in log and "one" in log and "two" in log
    assert thread.soup.find(id="message-refused") is not None
    assert stored_count(bob.id, UNREAD_MESSAGE_COUNT) == total_unread(bob.id) == 0  # he read them: exact again


def test_the_name_stays_reserved_in_any_case(app, client):
    alice = make_user("alice")
    me = actor(client, "alice")
    me.signs_in()
    me.opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    for name in ("alice", "ALICE", "Alice"):
        taken = (
            actor(client)
            .opens("/auth/register")
            .submits("#register-form", username=name, email="x@example.com", password=PASSWORD, password2=PASSWORD)
        )
        assert taken.status == 422 and "taken" in taken.text("username-error")
    assert count(User) == 1 and db.session.get(User, alice.id).is_deleted


def test_deleting_with_two_factor_needs_a_code(client, alice):
    me = actor(client, "alice")
    me.signs_in()
    section = me.opens("/settings/two-factor")
    secret = section.text("totp-secret")
    totp = pyotp.TOTP(secret)
    section.submits("#enable-2fa-form", code=totp.now())
    form = me.opens("/settings/delete")
    assert form.by_id("code")
    no_code = form.submits("#delete-account-form", password=PASSWORD)
    assert no_code.status == 422 and not db.session.get(User, alice.id).is_deleted
    used = me.opens("/settings/delete").submits("#delete-account-form", password=PASSWORD, code=totp.now())
    assert used.status == 422 and used.by_id("code-error")  # the code that turned it on: used already
    next_code = totp.generate_otp(totp.timecode(__import__("time").time()) + 1)
    done = me.opens("/settings/delete").submits("#delete-account-form", password=PASSWORD, code=next_code)
    assert done.status == 303 and db.session.get(User, alice.id).is_deleted


def test_deleting_with_csrf_on(csrf_app):
    alice = make_user("alice")
    client = csrf_app.test_client()
    me = actor(client, "alice")
    me.signs_in()
    assert client.post("/settings/delete", data={"password": PASSWORD}).status_code == 400  # raw: no CSRF token
    assert not db.session.get(User, alice.id).is_deleted
    with_htmx = me.opens("/settings/delete").with_htmx().submits("#delete-account-form", password=PASSWORD)
    assert with_htmx.status == 204 and with_htmx.headers["HX-Redirect"] == "/index"
    assert db.session.get(User, alice.id).is_deleted


def test_a_renamed_users_old_name_is_reserved_for_them(client, alice, bob):
    me = actor(client, "alice")
    me.signs_in()
    assert me.opens("/settings/profile").submits("#profile-form", username="alicia").status == 303
    assert db.session.get(ReservedName, "alice").user_id == alice.id
    me.signs_out()
    taken = (
        actor(client)
        .opens("/auth/register")
        .submits("#register-form", username="ALICE", email="new@example.com", password=PASSWORD, password2=PASSWORD)
    )
    assert taken.status == 422 and "taken" in taken.text("username-error")
    bobs = actor(client, "bob")
    bobs.signs_in()
    refused = bobs.opens("/settings/profile").submits("#profile-form", username="alice")
    assert refused.status == 422 and "taken" in refused.text("username-error")
    bobs.signs_out()
    # alice may take her old name back; then "alicia" is the reserved one.
    me = actor(client, "alicia")
    me.signs_in()
    assert me.opens("/settings/profile").submits("#profile-form", username="Alice").status == 303
    assert db.session.get(User, alice.id).username == "Alice"
    assert db.session.get(ReservedName, "alice") is None and db.session.get(ReservedName, "alicia").user_id == alice.id


def test_the_deleted_accounts_push_streams_close_at_once(push_app, alice, signed_in):  # noqa: F811
    stream = Stream(signed_in("alice", app=push_app).client)
    stream.read_until("message")
    ready(push_app)
    other = signed_in("alice", app=push_app).client
    deleted = actor(other).opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    assert deleted.status == 303
    assert stream.read_until("close")[-1] == "close"
    assert next(stream._chunks, None) is None  # and the stream ends
    stream.close()
