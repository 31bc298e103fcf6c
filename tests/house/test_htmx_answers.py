"""The htmx vocabulary (microblog/htmx.py): each kind of answer, as the views send it, and where errors go."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from microblog import htmx
from microblog.users.relations import Block
from microblog.extensions import db
from tests.conftest import HTMX
from tests.html import actor, by_id, fragment, page, text

ROOT = Path(__file__).resolve().parents[2]  # the repository: its microblog/ is what the header test reads
BOOSTED = {**HTMX, "HX-Boosted": "true"}
HISTORY_RESTORE = {**HTMX, "HX-History-Restore-Request": "true"}


def varies(response) -> bool:
    return "HX-Request" in response.headers.get("Vary", "")


def assert_not_retargeted(response):
    assert "HX-Retarget" not in response.headers
    assert "HX-Reswap" not in response.headers


# Page or fragment: render(page, partial)


def test_render_answers_the_page_or_its_partial_and_varies(signed_in):
    as_alice = signed_in("alice")
    for headers in ({}, BOOSTED, HISTORY_RESTORE):
        response = as_alice.opens("/explore", **headers)
        assert response.status_code == 200 and varies(response), headers
        by_id(page(response), "error-region")
    response = as_alice.opens("/explore", **HTMX)
    assert response.status_code == 200 and varies(response)
    fragment(response, "#post-list")


# Fragment only: fragment(partial)


def test_fragment_answers_the_hover_card_and_the_follow_controls(signed_in, bob):
    as_alice = signed_in("alice")
    card = as_alice.opens("/user/bob/popup", **HTMX)
    assert card.status_code == 200 and varies(card)
    fragment(card, ".user-popup-card")

    follow = as_alice.opens("/user/bob").with_htmx().presses("Follow")
    assert follow.status_code == 200 and varies(follow)
    assert "Unfollow" in text(fragment(follow, "#follow-controls"))


def test_fragment_without_a_partial_sends_only_the_out_of_band_ones(signed_in, alice, bob):
    as_alice = signed_in("alice")
    as_alice.opens("/messages/bob").submits("#message-form", message="hi")
    conversations = as_alice.opens("/messages").with_htmx()
    response = conversations.submits('form[action="/messages/bob/delete"]')  # as after hx-confirm, with its hx-vals
    assert response.status_code == 200 and varies(response)
    soup = fragment(response)
    # The tab's <title> first (SPEC S18: the count in the title follows the badge), then the out-of-band parts.
    assert [element.get("id", element.name) for element in soup.find_all(recursive=False)] == [
        "title",
        "message-count",
        "error-region",
    ]
    assert soup.find(id="message-count")["hx-swap-oob"] == "true"


def test_a_fragment_that_works_empties_the_error_region_and_an_error_does_not(signed_in, alice, bob):
    """An error shows until the next request that works: every successful fragment sends the region empty,
    out-of-band (its element, with aria-live, stays); error answers and polls' 204s send nothing of it."""
    as_alice = signed_in("alice")
    for response in (
        as_alice.opens("/explore", **HTMX),
        as_alice.opens("/user/bob/popup", **HTMX),
        as_alice.opens("/user/bob").with_htmx().presses("Follow"),
    ):
        assert response.status_code == 200
        region = fragment(response).find(id="error-region", recursive=False)
        assert region["hx-swap-oob"] == "innerHTML" and region.decode_contents() == ""
    assert fragment(as_alice.opens("/explore", **HTMX)).find_all(id="error-region") != []
    refused = as_alice.opens("/user/nobody/popup", **HTMX)
    assert refused.status_code == 404 and "hx-swap-oob" not in refused.get_data(as_text=True)
    invalid = as_alice.opens("/index").with_htmx().submits("#post-form", post="")
    assert invalid.status_code == 422 and "error-region" not in invalid.get_data(as_text=True)
    assert b"error-region" in as_alice.opens("/explore").get_data()  # the page has the region itself, once
    assert as_alice.opens("/explore").get_data().count(b'id="error-region"') == 1


# Redirect after POST, client redirect


def test_redirect_after_post_is_303_for_a_form_and_a_client_redirect_for_htmx(client, alice, bob):
    alice_at = actor(client, "alice")
    plain = alice_at.signs_in()
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/index")
    assert varies(plain)
    alice_at.signs_out()
    # raw: the sign-in form has no hx-post; this is what an htmx-driven client would send

    hx = client.post("/auth/login", data={"username": "alice", "password": "correct horse battery"}, headers=HTMX)
    assert hx.status_code == 204 and hx.headers["HX-Redirect"] == "/index"
    assert "Location" not in hx.headers and hx.get_data() == b""


def test_client_redirect(app):
    with app.test_request_context("/", headers=HTMX):
        response = htmx.client_redirect("/somewhere")
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/somewhere"
    assert varies(response) and response.get_data() == b""


# Polls: nothing new, stop polling


def test_nothing_new_is_an_empty_204(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/notifications/badge?shown=0&activity=0", **HTMX)
    assert response.status_code == 204 and response.get_data() == b""
    assert varies(response) and response.headers["Cache-Control"] == "no-store"


def test_stop_polling_is_286_with_a_badge_that_does_not_poll(client):
    response = client.get("/notifications/badge?shown=0", headers=HTMX)
    assert response.status_code == htmx.STOP_POLLING == 286
    assert varies(response)
    badge = fragment(response, "#message-count")
    assert not badge.has_attr("hx-get") and not badge.has_attr("hx-trigger")


# Errors: where htmx shows them


def test_the_error_region_is_on_every_page_outside_every_swapped_target(signed_in):
    as_alice = signed_in("alice")
    soup = page(as_alice.opens("/index"))
    region = by_id(soup, "error-region")
    assert region.get("aria-live") and not region.contents
    assert region.find_parent(id="main") is None
    targets = {element["hx-target"] for element in soup.select("[hx-target]")}
    assert not any(target in ("#error-region", "body") for target in targets)
    config = json.loads(soup.find("meta", attrs={"name": "htmx-config"})["content"])
    errors = [rule for rule in config["responseHandling"] if rule["code"] == "[45].."]
    assert errors == [
        {"code": "[45]..", "swap": True, "error": True, "target": "#error-region", "swapOverride": "innerHTML"}
    ]
    # The in-place errors come first, so they keep swapping where the request aimed.
    codes = [rule["code"] for rule in config["responseHandling"]]
    assert codes.index("422") < codes.index("[45]..") and codes.index("429") < codes.index("[45]..")


def assert_in_error_region(response, status: int):
    assert response.status_code == status
    assert response.headers["HX-Retarget"] == "#error-region"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.headers["HX-Push-Url"] == "false"  # a failed page link does not change the URL
    assert varies(response)
    return fragment(response, "#error")


def test_a_refused_button_answers_its_error_into_the_region(signed_in, alice, bob):
    as_alice = signed_in("alice")
    stale = as_alice.opens("/user/bob")  # a tab opened before bob blocks alice
    db.session.add(Block(blocker_id=bob.id, blocked_id=alice.id))
    db.session.commit()
    error = assert_in_error_region(stale.with_htmx().presses("Follow"), 403)
    assert "can't follow" in text(error)
    # Without htmx the same refusal is the whole error page, no htmx headers.
    plain = stale.presses("Follow")
    assert plain.status_code == 403
    assert_not_retargeted(plain)
    by_id(page(plain), "error")


def test_a_missing_page_asked_by_htmx_answers_into_the_region(signed_in):
    as_alice = signed_in("alice")
    assert_in_error_region(as_alice.opens("/user/nobody/popup", **HTMX), 404)
    assert_in_error_region(as_alice.opens("/explore?page=99", **HTMX), 404)


def test_an_outage_answers_a_button_into_the_region(signed_in, bob, monkeypatch):
    as_alice = signed_in("alice")

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("microblog.unread.locks.lock_users", down)  # the follow takes its lock
    error = assert_in_error_region(as_alice.opens("/user/bob").with_htmx().presses("Follow"), 503)
    assert "briefly unavailable" in text(error)


def test_a_database_lost_mid_send_answers_a_whole_page_without_script(app, signed_in, bob):
    # The database dies at the INSERT: after the rollback, the user's own row cannot be read again, so the
    # page must draw without it (its colour scheme included) rather than fall back to a bare fragment.
    as_alice = signed_in("alice")
    lost = []

    def refuse(conn, cursor, statement, *args):
        if lost or statement.lstrip().upper().startswith("INSERT INTO MESSAGE"):
            lost.append(statement)
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    thread = as_alice.opens("/messages/bob")
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse)
    try:
        response = thread.submits("#message-form", message="into the void")
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse)
    assert lost, "the send never reached the database"
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "<html" in html and "briefly unavailable" in text(by_id(page(response), "error"))


def test_boosted_and_history_restore_errors_are_whole_pages_without_retarget(signed_in):
    as_alice = signed_in("alice")
    for headers in (BOOSTED, HISTORY_RESTORE):
        response = as_alice.opens("/user/nobody", **headers)
        assert response.status_code == 404
        assert_not_retargeted(response)
        page(response)


def test_an_invalid_form_still_swaps_in_place(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/index").with_htmx().submits("#post-form", post="")
    assert response.status_code == 422
    assert_not_retargeted(response)
    fragment(response, "#post-form")


def test_429_swaps_in_place(app):
    with app.test_request_context("/", headers=HTMX):
        assert_not_retargeted(htmx.error("wait", 429))
        assert_not_retargeted(htmx.error("fix it", 422))
        assert htmx.error("gone", 410).headers["HX-Retarget"] == "#error-region"


def test_a_failed_poll_swaps_nothing_and_keeps_polling(signed_in, alice, bob, monkeypatch):
    as_alice = signed_in("alice")
    bad_cursor = as_alice.opens("/messages/bob?after=junk", **HTMX)
    assert bad_cursor.status_code == 400
    assert bad_cursor.headers["HX-Reswap"] == "none" and "HX-Retarget" not in bad_cursor.headers

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("microblog.notifications.badge.badge_state", down)
    badge = as_alice.opens("/notifications/badge?shown=0", **HTMX)
    assert badge.status_code == 503
    assert badge.headers["HX-Reswap"] == "none" and "HX-Retarget" not in badge.headers
    fragment(badge, "#error")


def test_an_expired_session_still_sends_htmx_to_the_sign_in_page(client, alice):
    response = client.get("/messages", headers={**HTMX, "HX-Current-URL": "http://localhost/messages?page=2"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/messages?page%3D2"


def test_an_expired_csrf_token_still_reloads_the_page(csrf_app):
    response = csrf_app.test_client().post("/auth/logout", headers=HTMX)
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"


# One place for the header names


def test_no_htmx_header_name_is_written_outside_htmx_py():
    found = []
    paths = list((ROOT / "microblog").rglob("*.py"))
    assert len(paths) > 50, "the test reads the package's modules"
    for path in paths:
        if path.name == "htmx.py" and path.parent.name == "microblog":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"[\"']HX-", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
