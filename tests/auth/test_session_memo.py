"""The session cookie's memo (auth/session.py): a cookie verified once is not verified again, and the memo
answers only what verifying it again would: an expired cookie signs nobody in, a tampered one neither, and
no request gets another's mutable session values."""

from __future__ import annotations

import time

from flask import request

from microblog.auth.session import forged_cookie
from tests.conftest import HTMX

BADGE = "/notifications/badge"


def poll(client):
    return client.get(BADGE, query_string={"shown": "0", "activity": "0"}, headers=HTMX)


def test_a_remembered_cookie_still_expires(app, signed_in, monkeypatch):
    person = signed_in("alice")
    first = poll(person.client)
    assert first.status_code == 204 and "Cookie" in first.headers["Vary"]  # verified, remembered
    assert poll(person.client).status_code == 204  # answered from the memo
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert poll(person.client).status_code == 286  # the same cookie, now too old: signed out


def test_a_tampered_cookie_signs_nobody_in_even_beside_a_remembered_one(app, alice):
    client = app.test_client()
    cookie = forged_cookie(app, alice.id, alice.session_token)
    client.set_cookie("session", cookie)
    assert poll(client).status_code == 204
    assert poll(client).status_code == 204
    payload, _, rest = cookie.partition(".")
    client.set_cookie("session", payload + "." + rest[::-1])  # the same payload, a wrong signature
    assert poll(client).status_code == 286


def test_no_request_shares_a_mutable_session_value_with_another(app):
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_flashes": [["info", "one"]], "x": "y"})
    interface = app.session_interface
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        first = interface.open_session(app, request)
        first["_flashes"].append(["info", "two"])  # flash() appends in place
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        second = interface.open_session(app, request)
    assert second["_flashes"] == [["info", "one"]]
