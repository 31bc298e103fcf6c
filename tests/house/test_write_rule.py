"""The write rule, held by construction (microblog/database.py, README "Security"): on SQLite every transaction of
a POST begins IMMEDIATE, so a write never has to upgrade a read transaction (which SQLite refuses at once when
another connection committed meanwhile: issue 28's "database is locked"); GETs keep their cheap reads; under
TESTING a write that was not declared raises. Bypassing the rule is shown to fail, loudly or by losing the write.
`tests/house/test_concurrent_writes.py` runs every write route at once through the real server."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from microblog import database
from microblog.activity import events
from microblog.database import UndeclaredWrite, end_read
from microblog.extensions import db
from microblog.posts.models import Post
from microblog.users.models import User
from microblog.writes import changing
from tests.conftest import HTMX, make_app, make_user, only_on, running
from tests.html import actor

pytestmark = only_on("sqlite")  # PostgreSQL has no read-to-write upgrade to refuse: row locks (unread.lock_user)


@pytest.fixture
def loose_app(database_url):
    """CSRF on, and undeclared writes not refused (STRICT_WRITES off), to show what they would do in production."""
    with running(make_app(database_url, WTF_CSRF_ENABLED=True, STRICT_WRITES=False)) as app:
        yield app


@pytest.fixture
def strict_app(csrf_app):
    return csrf_app


def signed_in(app, name="alice"):
    make_user(name)
    make_user("bob")
    person = actor(app.test_client(), name)
    assert person.signs_in().status == 303
    return person


class Statements:
    """The SQL the app sends, and a hook run once before the request's first write."""

    def __init__(self, engine):
        self.engine, self.sent, self.before_first_write = engine, [], None

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        self.sent.append(statement)
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and self.before_first_write:
            hook, self.before_first_write = self.before_first_write, None
            hook()

    def begins(self) -> list[str]:
        return [s for s in self.sent if s.upper().startswith("BEGIN")]


def other_writer(path: str, outcome: list[str]):
    """Another connection (another worker) that tries to commit a write at that moment, waiting 0.2 s at most."""
    def write():
        conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            conn.execute("UPDATE user SET about_me = 'meanwhile' WHERE username = 'bob'")
            outcome.append("committed")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))
        finally:
            conn.close()
    return write


def db_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


@pytest.mark.parametrize("form", ["post", "profile"])
def test_every_transaction_of_a_post_begins_with_the_write_lock(strict_app, form):
    alice = signed_in(strict_app)
    page = alice.opens("/index") if form == "post" else alice.opens("/edit_profile")
    with Statements(db.engine) as sql:
        if form == "post":
            answer = page.submits("#post-form", post="no mention here")
        else:
            answer = page.submits("#profile-form", about_me="edited")
    assert answer.status == 303
    assert sql.begins() and all(b == "BEGIN IMMEDIATE" for b in sql.begins()), sql.begins()


def test_gets_keep_their_cheap_reads(strict_app):
    alice = signed_in(strict_app)
    alice.opens("/index")  # refreshes last_seen (a declared write), so the next page does not
    with Statements(db.engine) as sql:
        assert alice.opens("/explore").status == 200
    assert sql.begins() == ["BEGIN"]
    with Statements(db.engine) as sql:
        assert alice.client.get("/notifications/badge?shown=0&activity=0", headers=HTMX).status_code == 204
    assert sql.begins() == [] and len(sql.sent) == 1  # the badge poll: one statement, no transaction


@pytest.mark.parametrize("form", ["post", "profile"])
def test_another_writer_waits_for_a_post_that_has_begun(loose_app, form):
    alice = signed_in(loose_app)
    page = alice.opens("/index") if form == "post" else alice.opens("/edit_profile")
    outcome: list[str] = []
    with Statements(db.engine) as sql:
        sql.before_first_write = other_writer(db_path(loose_app), outcome)
        if form == "post":
            answer = page.submits("#post-form", post="plain")
        else:
            answer = page.submits("#profile-form", about_me="mine")
    assert answer.status == 303
    assert outcome == ["database is locked"]  # the request held the write lock before its first read
    assert db.session.scalar(sa.select(User.about_me).where(User.username == "bob")) is None


def test_bypassing_the_rule_fails_loudly_in_tests(strict_app, monkeypatch):
    alice = signed_in(strict_app)
    page = alice.opens("/edit_profile")
    monkeypatch.setattr(database, "write_request", lambda: False)
    with pytest.raises(UndeclaredWrite, match="POST /edit_profile"):
        page.submits("#profile-form", about_me="undeclared")


def test_posting_declares_its_write_with_changing_too(strict_app, monkeypatch):
    """create_post takes the write lock itself (`changing`), so it holds outside a POST too; bypass both and
    the plain post is an undeclared write."""
    alice = signed_in(strict_app)
    monkeypatch.setattr(database, "write_request", lambda: False)
    assert alice.opens("/index").submits("#post-form", post="declared by changing").status == 303

    @contextlib.contextmanager
    def bypassed(*user_ids):
        yield
        db.session.commit()

    monkeypatch.setattr(events, "changing", bypassed)
    page = alice.opens("/index")
    with pytest.raises(UndeclaredWrite, match="POST /index"):
        page.submits("#post-form", post="undeclared")
    assert db.session.scalars(sa.select(Post.body)).all() == ["declared by changing"]


def test_bypassing_the_rule_loses_the_write_in_production(loose_app, monkeypatch):
    """What issue 28 saw: the read transaction cannot become a write after another commit; the edit is lost."""
    alice = signed_in(loose_app)
    page = alice.opens("/edit_profile")
    monkeypatch.setattr(database, "write_request", lambda: False)
    outcome: list[str] = []
    with Statements(db.engine) as sql:
        sql.before_first_write = other_writer(db_path(loose_app), outcome)
        answer = page.submits("#profile-form", about_me="lost")
    assert outcome == ["committed"]
    assert answer.status == 503
    assert db.session.scalar(sa.select(User.about_me).where(User.username == "alice")) is None


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
