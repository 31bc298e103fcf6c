"""Production settings: UTC timestamps whatever the server's time zone, the SECRET_KEY guard, the probes,
and 503 answers (page, fragment, JSON) when the database is unreachable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from microblog import create_app
from microblog.config import DEV_SECRET_KEY
from microblog.extensions import db
from microblog.messages.models import Message

from tests.conftest import HTMX, make_app, make_user, running, send
from tests.html import by_id, fragment, page

NEW_YORK = "options=-c%20timezone%3DAmerica/New_York"
# Nothing listens on port 1: connections are refused at once.
DEAD_PG = "postgresql+psycopg://nobody:nothing@127.0.0.1:1/nothing?connect_timeout=2"


def in_new_york(url: str) -> str:
    return url + ("&" if "?" in url else "?") + NEW_YORK


@pytest.fixture
def ny_app(database_url):
    """The app; on PostgreSQL its sessions run in America/New_York (UTC-5/-4), as a misconfigured server's would."""
    url = in_new_york(database_url) if database_url.startswith("postgresql") else database_url
    app = make_app(url)
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            assert db.session.scalar(sa.text("SHOW timezone")) == "America/New_York"
            db.session.rollback()
        yield app
        db.session.remove()
        db.engine.dispose()


def _stored_utc(message_id: int) -> datetime:
    """The message's timestamp as the database itself holds it, converted to UTC by the database."""
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT timestamp AT TIME ZONE 'UTC' FROM message WHERE id = :id"
    else:
        sql = "SELECT timestamp FROM message WHERE id = :id"
    raw = db.session.execute(sa.text(sql), {"id": message_id}).scalar_one()
    db.session.rollback()
    if isinstance(raw, str):
        raw = datetime.fromisoformat(raw)
    assert raw.tzinfo is None
    return raw.replace(tzinfo=timezone.utc)


def test_timestamps_are_utc_whatever_the_server_time_zone(ny_app):
    alice, bob = make_user("alice"), make_user("bob")
    before = datetime.now(timezone.utc)
    message = send(alice, bob, "what time is it?")
    after = datetime.now(timezone.utc)
    db.session.expire_all()

    loaded = db.session.get(Message, message.id)
    assert loaded.timestamp.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= loaded.timestamp <= after + timedelta(seconds=1)
    # Stored as UTC, not as New York wall-clock time.
    assert abs(_stored_utc(message.id) - loaded.timestamp) < timedelta(seconds=1)
    # Aware datetimes compare with the clock (the tutorial's naive ones raise TypeError).
    assert loaded.timestamp <= datetime.now(timezone.utc)


def test_a_fixed_time_round_trips_and_is_shown_in_utc(ny_app, signed_in):
    alice, bob = make_user("alice"), make_user("bob")
    when = datetime(2024, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
    message = send(alice, bob, "from the past")
    db.session.execute(sa.update(Message).where(Message.id == message.id).values(timestamp=when))
    db.session.commit()
    message_id = message.id
    db.session.expire_all()

    assert db.session.get(Message, message_id).timestamp == when
    assert _stored_utc(message_id) == when

    client = ny_app.test_client()
    signed_in("bob", client)
    response = client.get("/messages")
    assert response.status_code == 200
    times = [t for t in page(response).select("time[datetime]") if t["datetime"].startswith("2024-01-15")]
    assert [t["datetime"] for t in times] == ["2024-01-15T12:00:00+00:00"]
    assert "12:00:00" in times[0]["title"] and times[0]["title"].endswith(("UTC", "Coordinated Universal Time"))


@pytest.mark.parametrize("secret", [None, DEV_SECRET_KEY, "", "too-short"])
def test_production_refuses_a_missing_or_default_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "prod.db"))
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "prod.db"))
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PUBLIC_URL", "https://microblog.example.org")
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 64
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("prod.db")


def test_database_url_and_pool_pre_ping(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:5432/db")
    monkeypatch.delenv("MICROBLOG_ENV", raising=False)
    app = create_app()
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.engine.dialect.driver == "psycopg"
        assert db.engine.pool._pre_ping is True
    # An SQLite file cannot restart under us: no ping per request.
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "x.db"))
    app = create_app()
    with app.app_context():
        assert db.engine.pool._pre_ping is False


def test_healthz_touches_no_database(app, client, statements):
    checkouts = []

    def _checkout(*args):
        checkouts.append(args)

    sa.event.listen(db.engine, "checkout", _checkout)
    try:
        with statements.recording() as log:
            response = client.get("/healthz")
    finally:
        sa.event.remove(db.engine, "checkout", _checkout)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "no-store"
    assert log.statements == []
    assert checkouts == []


def test_readyz_when_the_database_is_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "up"}


@pytest.fixture
def dead_app():
    """The app on a PostgreSQL server that is not there."""
    app = make_app(DEAD_PG)
    with running(app):
        yield app


def test_probes_when_the_database_is_down(dead_app):
    client = dead_app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "down"}
    # Liveness does not depend on the database: the process is fine, do not restart it.
    assert client.get("/healthz").status_code == 200


def test_database_outage_answers_503_page_fragment_and_json(app, client, alice, dead_app, signed_in):
    """A signed-in user whose database goes away gets a clear 503 in the form each route speaks."""
    signed_in("alice", client)
    cookie = client.get_cookie("session")
    dead = dead_app.test_client()
    dead.set_cookie("session", cookie.value, domain=cookie.domain)

    response = dead.get("/messages")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "psycopg" not in html and "OperationalError" not in html
    assert "briefly unavailable" in by_id(page(response), "error").get_text()

    response = dead.get("/notifications/badge?shown=0", headers=HTMX)
    assert response.status_code == 503
    assert "briefly unavailable" in fragment(response, "#error").get_text()

    response = dead.get("/notifications?since=0")
    assert response.status_code == 503
    assert response.get_json()["status"] == 503
    assert "briefly unavailable" in response.get_json()["message"]

    response = dead.post("/send_message/bob", data={"message": "lost?"})  # no page renders while the database is down
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_connection_that_dies_after_the_answer_does_not_turn_it_into_a_bare_500(
    app, signed_in, alice, bob, monkeypatch
):
    """The database going away between the view's last query and the end-of-request rollback: the answer
    the view made is still served, and the next request gets a fresh connection."""
    as_alice = signed_in("alice")
    send(bob, alice, "one unread message")
    dialect = db.engine.dialect
    real_rollback = dialect.do_rollback
    failures = []

    def dying_rollback(dbapi_connection):
        if not failures:
            failures.append(1)
            raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")
        return real_rollback(dbapi_connection)

    db.session.remove()
    checked_out = db.engine.pool.checkedout()
    monkeypatch.setattr(dialect, "do_rollback", dying_rollback)
    response = as_alice.opens("/notifications?since=0")  # the user and the feed come through the session
    assert failures, "the request ended without a rollback: the test does not test anything"
    assert response.status_code == 200
    assert [n["data"] for n in response.get_json()] == [1]
    assert db.engine.pool.checkedout() == checked_out, "the dead connection was kept instead of discarded"
    monkeypatch.setattr(dialect, "do_rollback", real_rollback)
    assert as_alice.opens("/notifications?since=0").status_code == 200
    assert as_alice.opens("/notifications/badge?shown=1", **HTMX).status_code == 204
