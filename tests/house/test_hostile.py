"""Every route, every field, parameter and URL segment, hostile values: a 2xx-4xx with a clear message,
never a 5xx, and nothing stored by a rejected request (SPEC S10). Routes come from app.url_map, so new
routes are walked too.

Raw requests throughout, on purpose: this is what a non-browser sends, not what the pages' forms offer."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


from microblog.auth.session import parse_session_id, sign_in_fields
from microblog.extensions import db
from microblog.users.models import User
from tests.smtp import smtp_server
from tests.auth.test_password_reset import Inbox
from tests.conftest import make_app, make_user, running

# Addresses the mailer cannot encode (a long non-ASCII local part) or must IDNA-encode (SPEC S22).
HOSTILE_EMAILS = [
    "ß" * 25 + "@example.com",
    "é" * 70 + "@example.com",
    "用户@例子.广告",
    "alice@bücher.example",
    "alice@example.com",
]

HOSTILE = [
    "",
    " ",
    "   \t\n ",
    "\x00",
    "a\x00b",
    "\x07\x1b[31m",
    "\r\n",
    "\ud800",
    "x\udfffy",
    "\ufeff",
    "\u202eevil",
    "\u200b",
    "\uffff",
    "é" * 300,
    "𝕏" * 300,
    "x" * 5000,
    "٣",
    "²",
    "¹²",
    "0",
    "-1",
    "1.5",
    "0x10",
    "1e309",
    "99999999999999999999999",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "null",
    "[]",
    "{}",
    "true",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "https://evil.example/",
    "alice",
    "ALICE",
    "bob",
    "nobody",
    "correct horse battery",
    *HOSTILE_EMAILS,
]
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
FIELDS = [
    "username",
    "password",
    "password2",
    "current_password",
    "email",
    "remember_me",
    "message",
    "post",
    "about_me",
    "submit",
    "csrf_token",
    "next",
    "post_id",
    "in_card",
    "message_policy",
    "reaction",
    "muted",
    "confirmed",
    "read_receipts",
]
PARAMS = ["page", "since", "next", "s", "shown", "activity", "q", "before", "after", "v", "state", "tab"]
TABLES = ["user", "post", "message", "notification", "followers", "activity", "block"]


@pytest.fixture(scope="module")
def inbox():
    """A real SMTP server on loopback: walked requests that send email reach a real mailer."""
    received = Inbox()
    with smtp_server(received) as received.port:
        yield received


@pytest.fixture
def app(database_url, inbox):
    """The walk's app sends its emails through `inbox` (without MAIL_SERVER they would only be logged)."""
    with running(make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_TIMEOUT=5)) as app:
        yield app


def _encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule, method))
    return sorted(routes, key=lambda r: (r[0].rule, r[1]))


def _url(rule, segments: dict[str, str], params: dict[str, str]) -> str:
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: _encode(segments.get(m.group(1), "x")), rule.rule)
    query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in params.items())
    return path + ("?" + query if query else "")


def _snapshot() -> dict:
    db.session.remove()
    with db.engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in TABLES}
        users = conn.execute(
            sa.text('SELECT id, username, email, password_hash, about_me, session_token FROM "user" ORDER BY id')
        ).all()
    return {"counts": counts, "users": [tuple(u) for u in users]}


def _assert_clear_answer(response):
    status = response.status_code
    assert 200 <= status < 500, f"{status}: {response.get_data(as_text=True)[:500]}"
    body = response.get_data(as_text=True)
    if status in (204, 301, 302, 303, 304):
        assert status != 303 or response.headers["Location"]
        return
    assert body.strip(), f"empty body for {status}"
    assert "Traceback" not in body
    if status >= 400:
        if response.mimetype == "application/json":
            assert json.loads(body)["message"]
        elif status == 422:
            assert 'aria-invalid="true"' in body or 'id="error"' in body
        else:
            assert 'id="error"' in body, body[:500]
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


request_strategy = st.fixed_dictionaries(
    {
        "segments": st.dictionaries(
            st.sampled_from(["username", "recipient", "name", "id", "token", "message_id"]), values, max_size=3
        ),
        "params": st.dictionaries(st.sampled_from(PARAMS), values, max_size=3),
        "form": st.dictionaries(st.sampled_from(FIELDS), values, max_size=6),
        "htmx": st.booleans(),
        "index": st.integers(min_value=0, max_value=10_000),
    }
)


def _walk(app, client, signed_in_as: User | None, case):
    routes = _routes(app)
    rule, method = routes[case["index"] % len(routes)]
    if signed_in_as is not None:
        # Not signed_in(): hypothesis walks thousands of cases, and an earlier case may have signed out, changed
        # the password or filled the sign-in limit; the session cookie is forged with the account's current
        # session token (an earlier walked sign-out or password change replaced it).
        db.session.remove()
        token = db.session.scalar(sa.select(User.session_token).where(User.id == signed_in_as.id))
        db.session.remove()
        with client.session_transaction() as session:
            session.update(sign_in_fields(signed_in_as.id, token))
    else:
        client.delete_cookie("session")
    params = dict(case["params"])
    url = _url(rule, case["segments"], params)
    headers = {"HX-Request": "true"} if case["htmx"] else {}
    before = _snapshot()
    if method == "GET":
        response = client.get(url, headers=headers)
    else:
        body = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in case["form"].items())
        response = client.open(
            url, method=method, data=body, headers=headers, content_type="application/x-www-form-urlencoded"
        )
    _assert_clear_answer(response)
    if signed_in_as is not None:
        # Still signed in: never bounced to the sign-in page (so the walk tests the signed-in code paths).
        bounced = response.status_code == 401 or response.headers.get("Location", "").startswith("/auth/login")
        assert not bounced, f"{method} {url} answered {response.status_code} as if signed out"
    after = _snapshot()
    if response.status_code >= 400:
        assert after == before, f"{method} {url} answered {response.status_code} but changed the database"
    if method == "GET":
        # No state change on GET (the read watermark of /messages is a column we do not compare).
        assert after == before, f"GET {url} changed the database"


SETTINGS = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(case=request_strategy)
def test_hostile_input_signed_out(app, client, case):
    _walk(app, client, None, case)


@pytest.fixture
def users(app):
    alice = make_user("alice")
    make_user("bob")
    return alice


@SETTINGS
@given(case=request_strategy)
def test_hostile_input_signed_in(app, client, users, case):
    _walk(app, client, users, case)


def test_every_route_is_walked(app):
    """The walk covers each (route, method) at least by index; a new route changes this list, not the test."""
    routes = _routes(app)
    assert {r.endpoint for r, _ in routes} >= {
        "auth.login",
        "auth.register",
        "auth.change_password",
        "messages.send_message",
        "messages.messages",
        "notifications.notifications",
        "users.avatar",
    }


@pytest.mark.slow  # every route with every worst value: ~10 s, in `make test` and CI; the quick loop has the walks above
@pytest.mark.parametrize("signed_in", [False, True])
def test_each_route_once_with_the_worst_values(app, client, signed_in, request):
    """Deterministic: every route and method, all fields, params and segments at once, several payloads."""
    alice = make_user("alice") if signed_in else None
    for payload in ["\x00", "\ud800", "x" * 5000, "nan", "-1", "", "²", "<script>alert(1)</script>", *HOSTILE_EMAILS]:
        for index in range(len(_routes(app))):
            case = {
                "segments": {k: payload for k in ("username", "recipient", "name", "id", "token")},
                "params": {k: payload for k in PARAMS},
                "form": {k: payload for k in FIELDS},
                "htmx": index % 2 == 0,
                "index": index,
            }
            _walk(app, client, alice, case)


def test_the_walk_reaches_the_mailer_with_hostile_addresses(app, client, inbox):
    """Every address in HOSTILE_EMAILS through the reset and registration routes: a clear 4xx or a 303,
    never a 5xx; the one plain address really reaches the SMTP server (so the others could have)."""
    make_user("alice")
    routes = _routes(app)
    for endpoint in ("password_reset.reset_password_request", "auth.register"):
        index = next(i for i, (rule, method) in enumerate(routes) if rule.endpoint == endpoint and method == "POST")
        for email in HOSTILE_EMAILS:
            case = {
                "segments": {},
                "params": {},
                "htmx": False,
                "index": index,
                "form": {
                    "email": email,
                    "username": "newcomer",
                    "password": "long enough pw",
                    "password2": "long enough pw",
                },
            }
            _walk(app, client, None, case)
    assert any(message["To"] == "alice@example.com" for message in inbox.messages)


def test_body_over_max_content_length_is_413(csrf_app):
    """With CSRF on (as in production) every POST reads its body first, so every POST answers 413."""
    app, client = csrf_app, csrf_app.test_client()
    alice = make_user("alice")
    make_user("bob")
    big = "message=" + "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for rule, method in _routes(app):
        if method != "POST":
            continue
        for signed_in in (False, True):
            with client.session_transaction() as session:  # forged, not signed_in(): two sessions per route
                session.clear()
                if signed_in:
                    session.update(sign_in_fields(*parse_session_id(alice.get_id())))
            before = _snapshot()
            response = client.post(  # raw: hostile input on every route
                _url(rule, {"username": "bob", "recipient": "bob", "message_id": "1"}, {}),
                data=big,
                content_type="application/x-www-form-urlencoded",
            )
            assert response.status_code == 413, (rule.rule, signed_in, response.status_code)
            assert "What you sent is too large." in response.get_data(as_text=True)
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert _snapshot() == before
