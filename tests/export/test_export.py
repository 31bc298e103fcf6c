"""Export my data (SPEC S18): the button starts a job; the ZIP of JSON; the owner told in the app and by email
(real aiosmtpd) with a signed link for 24 h, for that signed-in owner only; one at a time; 10,000 messages
in bounded memory. The job runs in the test (`run`), as a worker would."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from microblog.database import utcnow
from microblog.export.build import build_zip
from microblog.export.exports import run
from microblog.export.models import DataExport
from microblog.extensions import db
from microblog.jobs import huey
from microblog.messages.models import Message, membership
from microblog.users.relations import follow
from tests.auth.test_password_reset import parts
from tests.conftest import make_app, make_post, make_user, running, send
from tests.html import actor
from tests.notifications.test_unread_email import smtp  # noqa: F401 - the SMTP fixture


@pytest.fixture
def export_app(database_url, smtp, tmp_path):  # noqa: F811
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_TIMEOUT=2,
        WTF_CSRF_ENABLED=True,
        EXPORT_DIR=str(tmp_path / "exports"),
    )
    with running(app):
        huey.flush()
        yield app
        huey.flush()


def asks_for_an_export(client):
    return actor(client).opens("/export").presses("Export my data")


def test_the_button_starts_a_job_and_the_owner_gets_the_zip(export_app, smtp, signed_in):  # noqa: F811
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    make_post(alice, "my first post")
    follow(alice, bob)
    follow(carol, alice)
    db.session.commit()
    send(bob, alice, "hello alice")
    send(alice, bob, "hi bob")
    client = signed_in("alice", app=export_app).client
    assert asks_for_an_export(client).status == 303
    assert len(huey) == 1, "one job queued"
    (export_id,) = db.session.scalars(sa.select(DataExport.id))
    assert run(export_id) == "ready"

    assert "Your data export is ready." in actor(client).opens("/activity").text("activity-list")
    message = smtp.only()
    assert message["Subject"] == "[Microblog] Your data export is ready"
    link = re.search(r"http://localhost(/export/download/\S+)", parts(message)["text/plain"]).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert sorted(archive.namelist()) == [
        "blocks.json",
        "conversations/bob.json",
        "followers.json",
        "follows.json",
        "posts.json",
        "profile.json",
    ]
    assert json.loads(archive.read("profile.json"))["username"] == "alice"
    assert [p["body"] for p in json.loads(archive.read("posts.json"))] == ["my first post"]
    assert json.loads(archive.read("follows.json")) == ["bob"]
    assert json.loads(archive.read("followers.json")) == ["carol"]
    thread = json.loads(archive.read("conversations/bob.json"))
    assert [(m["from"], m["body"]) for m in thread] == [("bob", "hello alice"), ("alice", "hi bob")]
    assert "Download your data" in actor(client).opens("/export").text("export-status")

    # The link is alice's alone, for 24 hours, signed in.
    assert signed_in("bob", app=export_app).client.get(link).status_code == 403
    assert export_app.test_client().get(link).status_code in (302, 401)
    tampered = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    assert client.get(tampered).status_code == 400


def test_an_expired_link_is_refused(export_app, smtp, monkeypatch, signed_in):  # noqa: F811
    make_user("alice")
    client = signed_in("alice", app=export_app).client
    asks_for_an_export(client)
    run(db.session.scalar(sa.select(DataExport.id)))
    link = re.search(r"http://localhost(/export/download/\S+)", parts(smtp.only())["text/plain"]).group(1)
    import itsdangerous.timed

    later = itsdangerous.timed.time.time() + 25 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    answer = client.get(link)
    assert answer.status_code == 400 and "This download link has expired." in answer.get_data(as_text=True)


def test_one_export_at_a_time(export_app, signed_in):
    make_user("alice")
    client = signed_in("alice", app=export_app).client
    assert asks_for_an_export(client).status == 303
    again = asks_for_an_export(client)
    assert again.status == 409
    assert "An export is already being prepared." in again.text("error")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataExport)) == 1
    assert len(huey) == 1


def test_export_page_and_fragment(export_app, signed_in):
    make_user("alice")
    client = signed_in("alice", app=export_app).client
    page = actor(client).opens("/export")
    assert page.status == 200 and page.by_id("export-form")["action"] == "/export"
    fragment = actor(client).opens("/export", **{"HX-Request": "true"})
    assert fragment.html.lstrip().startswith('<div id="export-status">')


def test_ten_thousand_messages_export_in_bounded_memory(app, tmp_path):
    alice, bob = make_user("alice"), make_user("bob")
    send(bob, alice, "first")
    conversation = membership(alice.id, bob.id).conversation_id
    now = utcnow()
    db.session.execute(
        sa.insert(Message),
        [
            {
                "conversation_id": conversation,
                "sender_id": bob.id,
                "recipient_id": alice.id,
                "body": f"message number {i} " + "x" * 100,
                "timestamp": now - timedelta(seconds=i),
            }
            for i in range(9_999)
        ],
    )
    db.session.commit()
    path = tmp_path / "big.zip"
    tracemalloc.start()
    try:
        build_zip(alice, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with zipfile.ZipFile(path) as archive:
        assert len(json.loads(archive.read("conversations/bob.json"))) == 10_000
    assert peak < 3 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB: the messages are streamed, not held"
