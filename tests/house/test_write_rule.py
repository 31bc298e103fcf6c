"""The write rule, held by construction (microblog/database.py, README "Security"): on SQLite every transaction of
a POST begins IMMEDIATE, so a write never has to upgrade a read transaction (which SQLite refuses at once when
another connection committed meanwhile: issue 28's "database is locked"); GETs keep their cheap reads; under
TESTING a write that was not declared raises. Bypassing the rule is shown to fail, loudly or by losing the write.
`tests/house/test_concurrent_writes.py` runs every write route at once through the real server."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
import sqlalchemy as sa

from microblog import database
from microblog.users import account
from microblog.database import UndeclaredWrite
from microblog.extensions import db
from microblog.posts import changes
from microblog.posts.models import Post
from microblog.users.models import User
from tests.conftest import HTMX, make_app, make_user, only_on, running

pytestmark = only_on("sqlite")  # PostgreSQL has no read-to-write upgrade to refuse: row locks (unread.locks.lock_user)


@pytest.fixture
def loose_app(database_url):
    """CSRF on, and undeclared writes not refused (STRICT_WRITES off), to show what they would do in production."""
    with running(make_app(database_url, WTF_CSRF_ENABLED=True, STRICT_WRITES=False)) as app:
        yield app


@pytest.fixture
def strict_app(csrf_app):
    return csrf_app


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
def test_every_transaction_of_a_post_begins_with_the_write_lock(strict_app, form, signed_in):
    make_user("bob")
    alice = signed_in("alice", app=strict_app)
    page = alice.opens("/index") if form == "post" else alice.opens("/settings/profile")
    with Statements(db.engine) as sql:
        if form == "post":
            answer = page.submits("#post-form", post="no mention here")
        else:
            answer = page.submits("#profile-form", about_me="edited")
    assert answer.status == 303
    assert sql.begins() and all(b == "BEGIN IMMEDIATE" for b in sql.begins()), sql.begins()


def test_gets_keep_their_cheap_reads(strict_app, signed_in):
    make_user("bob")
    alice = signed_in("alice", app=strict_app)
    alice.opens("/index")  # refreshes last_seen (a declared write), so the next page does not
    with Statements(db.engine) as sql:
        assert alice.opens("/explore").status == 200
    assert sql.begins() == ["BEGIN"]
    with Statements(db.engine) as sql:
        assert alice.client.get("/notifications/badge?shown=0&activity=0", headers=HTMX).status_code == 204
    assert sql.begins() == [] and len(sql.sent) == 1  # the badge poll: one statement, no transaction


@pytest.mark.parametrize("form", ["post", "profile"])
def test_another_writer_waits_for_a_post_that_has_begun(loose_app, form, signed_in):
    make_user("bob")
    alice = signed_in("alice", app=loose_app)
    page = alice.opens("/index") if form == "post" else alice.opens("/settings/profile")
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


def test_bypassing_the_rule_fails_loudly_in_tests(strict_app, monkeypatch, signed_in):
    make_user("bob")
    alice = signed_in("alice", app=strict_app)
    page = alice.opens("/settings/profile")
    monkeypatch.setattr(database, "write_request", lambda: False)
    monkeypatch.setattr(account, "begin_write", lambda: None)  # save_profile declares its write: undo that too
    with pytest.raises(UndeclaredWrite, match="POST /settings/profile"):
        page.submits("#profile-form", about_me="undeclared")


def test_posting_declares_its_write_with_changing_too(strict_app, monkeypatch, signed_in):
    """create_post takes the write lock itself (`changing`), so it holds outside a POST too; bypass both and
    the plain post is an undeclared write."""
    make_user("bob")
    alice = signed_in("alice", app=strict_app)
    monkeypatch.setattr(database, "write_request", lambda: False)
    assert alice.opens("/index").submits("#post-form", post="declared by changing").status == 303

    @contextlib.contextmanager
    def bypassed(*user_ids):
        yield
        db.session.commit()

    monkeypatch.setattr(changes, "changing", bypassed)
    page = alice.opens("/index")
    with pytest.raises(UndeclaredWrite, match="POST /index"):
        page.submits("#post-form", post="undeclared")
    assert db.session.scalars(sa.select(Post.body)).all() == ["declared by changing"]


def test_bypassing_the_rule_loses_the_write_in_production(loose_app, monkeypatch, signed_in):
    """What issue 28 saw: the read transaction cannot become a write after another commit; the edit is lost."""
    make_user("bob")
    alice = signed_in("alice", app=loose_app)
    page = alice.opens("/settings/profile")
    monkeypatch.setattr(database, "write_request", lambda: False)
    monkeypatch.setattr(account, "begin_write", lambda: None)  # save_profile declares its write: undo that too
    outcome: list[str] = []
    with Statements(db.engine) as sql:
        sql.before_first_write = other_writer(db_path(loose_app), outcome)
        answer = page.submits("#profile-form", about_me="lost")
    assert outcome == ["committed"]
    assert answer.status == 503
    assert db.session.scalar(sa.select(User.about_me).where(User.username == "alice")) is None
