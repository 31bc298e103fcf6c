"""The write rule's helpers (microblog/database.py, microblog/unread/locks.py): `changing()` declares a write and
commits or rolls back; `end_read()` lets slow work run without the lock, but never ends a declared write; a
password reset reads and writes under one lock, so a link works once even when submitted twice at once."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from microblog.database import UndeclaredWrite, end_read
from microblog.extensions import db
from microblog.posts.models import Post
from microblog.users.models import User
from microblog.unread.locks import changing
from tests.conftest import make_user, only_on
from tests.html import actor

from .test_write_rule import db_path, loose_app, other_writer, strict_app  # noqa: F401 - fixtures

pytestmark = only_on("sqlite")  # the locks shown here are SQLite's; PostgreSQL's are row locks


def test_a_get_that_writes_declares_it_with_changing(strict_app):
    alice, bob = make_user("alice"), make_user("bob")
    with strict_app.test_request_context("/"):
        db.session.get(User, alice.id)  # a read first, as a view does
        with changing(bob.id, alice.id):
            db.session.add(Post(body="declared", user_id=alice.id))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1
        with pytest.raises(UndeclaredWrite):
            db.session.add(Post(body="undeclared", user_id=alice.id))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(ValueError), changing(alice.id):
            db.session.add(Post(body="rolled back", user_id=alice.id))
            raise ValueError("the act failed")
    db.session.remove()
    assert db.session.scalars(sa.select(Post.body)).all() == ["declared"]


def test_slow_work_holds_no_lock_after_end_read(loose_app):
    alice = make_user("alice")
    make_user("bob")
    outcome: list[str] = []
    db.session.remove()
    with loose_app.test_request_context("/", method="POST"):
        user = db.session.scalar(sa.select(User).where(User.id == alice.id))  # a POST's read: the write lock
        other_writer(db_path(loose_app), outcome)()
        end_read()  # e.g. before sending an email
        other_writer(db_path(loose_app), outcome)()
        assert user.username == "alice"  # loaded objects keep their values
        db.session.execute(sa.update(User).where(User.id == alice.id).values(about_me="written"))
        end_read()  # a transaction that wrote is left to its commit
        other_writer(db_path(loose_app), outcome)()
        db.session.commit()
    assert outcome == ["database is locked", "committed", "database is locked"]


def test_end_read_never_ends_a_declared_write(loose_app):
    """Inside `changing` the reads decide the writes: the lock stays until its commit."""
    alice = make_user("alice")
    make_user("bob")
    outcome: list[str] = []
    db.session.remove()
    with loose_app.test_request_context("/"):
        with changing(alice.id):
            db.session.scalar(sa.select(User.password_hash).where(User.id == alice.id))
            end_read()
            other_writer(db_path(loose_app), outcome)()
        other_writer(db_path(loose_app), outcome)()
    assert outcome == ["database is locked", "committed"]


def test_a_reset_link_submitted_twice_at_once_works_once(strict_app, monkeypatch):
    """The reset reads the password it replaces and writes the new one in one locked transaction, so the second
    submission waits, then finds the link used. (The link is made here rather than read from an email:
    tests/auth has the email.)"""
    from microblog.auth.password_reset import reset_token
    from microblog.users import models

    alice = make_user("alice")
    with strict_app.test_request_context("/"):
        link = f"/auth/reset_password/{reset_token(alice)}"
    first, second = actor(strict_app.test_client()), actor(strict_app.test_client())
    forms = first.opens(link), second.opens(link)
    answers: dict[str, object] = {}

    def second_submits():
        answers["second"] = forms[1].submits("#reset-password-form", password="second-pw", password2="second-pw")

    racer = threading.Thread(target=second_submits)
    hash_password = models.generate_password_hash

    def slow_first_hash(*args, **kwargs):  # the second submission arrives while the first is hashing
        if not racer.is_alive() and "second" not in answers:
            racer.start()
            time.sleep(0.3)
        return hash_password(*args, **kwargs)

    monkeypatch.setattr(models, "generate_password_hash", slow_first_hash)
    answers["first"] = forms[0].submits("#reset-password-form", password="first-pw", password2="first-pw")
    racer.join(15)
    assert answers["first"].location == "/auth/login"
    assert answers["second"].location == "/auth/reset_password_request"  # "invalid, already used or expired"
    db.session.expire_all()
    assert db.session.get(User, alice.id).check_password("first-pw")
