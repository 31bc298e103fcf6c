"""CSRF, authorization, sessions and cookies, `next`, security headers and escaping."""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from microblog import create_app
from microblog.auth.login import safe_next
from microblog.extensions import db
from microblog.messages.models import Message
from microblog.posts.models import Post
from microblog.users.models import User
from tests.conftest import PASSWORD, make_app, make_post, make_user, send
from tests.html import by_id, fragment, page, text

HTMX = {"HX-Request": "true"}
XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- CSRF ---------------------------------------------------------------------------------------

@pytest.fixture
def csrf_client(csrf_app):
    make_user("alice")
    make_user("bob")
    return csrf_app.test_client()


def _csrf_login(client):
    form = page(client.get("/auth/login")).find(id="login-form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return _page_token(client)


def _page_token(client) -> str:
    """The CSRF token the signed-in page gives htmx (`<body hx-headers>`)."""
    body = page(client.get("/index")).body
    return json.loads(body["hx-headers"])["X-CSRFToken"]


def test_the_csrf_token_changes_at_sign_in_and_sign_out(csrf_client):
    before = page(csrf_client.get("/auth/login")).find(id="login-form").find("input", attrs={"name": "csrf_token"})
    signed_in = _csrf_login(csrf_client)
    assert signed_in != before["value"]
    # A token someone saw (or planted) before the sign-in is refused afterwards.
    response = csrf_client.post("/index", data={"post": "planted", "csrf_token": before["value"]})
    assert response.status_code == 400 and _count(Post) == 0
    assert csrf_client.post("/index", data={"post": "mine", "csrf_token": signed_in}).status_code == 303
    assert csrf_client.post("/auth/logout", data={"csrf_token": signed_in}).status_code == 303
    form = page(csrf_client.get("/auth/login")).find(id="login-form")
    assert form.find("input", attrs={"name": "csrf_token"})["value"] != signed_in


@pytest.mark.parametrize("token", [None, "wrong", ""])
@pytest.mark.parametrize("htmx", [False, True])
def test_post_without_a_valid_csrf_token_is_400_and_changes_nothing(csrf_client, token, htmx):
    _csrf_login(csrf_client)
    cases = [("/index", {"post": "hello"}), ("/send_message/bob", {"message": "hi"}), ("/follow/bob", {}),
             ("/edit_profile", {"username": "mallory", "about_me": "x"}), ("/auth/logout", {}),
             ("/auth/change_password", {"current_password": PASSWORD, "password": "n" * 10, "password2": "n" * 10})]
    for url, data in cases:
        if token is not None:
            data = {**data, "csrf_token": token}
        response = csrf_client.post(url, data=data, headers=HTMX if htmx else {})
        assert response.status_code == 400, url
        message = "Your form expired or did not come from this site"
        if htmx:
            assert response.headers["HX-Refresh"] == "true"
            assert message in text(fragment(response, "#error"))
        else:
            assert "HX-Refresh" not in response.headers
            assert message in text(by_id(page(response), "error"))
    assert (_count(Post), _count(Message)) == (0, 0)
    assert db.session.scalar(sa.select(User.username).where(User.id == 1)) == "alice"
    assert csrf_client.get("/index").status_code == 200  # still signed in: logout was refused too


def test_csrf_token_in_htmx_header_is_accepted(csrf_client):
    token = _csrf_login(csrf_client)
    response = csrf_client.post("/index", data={"post": "via htmx"}, headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert _count(Post) == 1


def test_login_without_token_is_refused(csrf_client):
    response = csrf_client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert csrf_client.get("/index").status_code == 302


# --- Authorization ------------------------------------------------------------------------------

def test_nobody_sees_another_users_messages_or_notifications(as_alice, alice, bob):
    carol = make_user("carol")
    send(bob, carol, "secret for carol")
    send(carol, bob, "secret for bob")
    for url in ["/messages", "/messages/bob", "/messages/carol", "/messages/carol?after=0", "/notifications",
                "/notifications?since=0", "/notifications/badge", "/messages?page=1", "/user/bob", "/user/carol"]:
        for headers in ({}, HTMX):
            response = as_alice.get(url, headers=headers)
            assert response.status_code in (200, 204), url
            assert "secret for" not in response.get_data(as_text=True), url
    assert as_alice.get("/notifications").get_json() == []


def test_profile_form_changes_only_your_own_profile(as_alice, alice, bob):
    response = as_alice.post("/edit_profile?username=bob", data={"username": "alice2", "about_me": "mine",
                                                                 "id": str(bob.id), "user_id": str(bob.id)})
    assert response.status_code == 303
    db.session.expire_all()
    assert (db.session.get(User, bob.id).username, db.session.get(User, bob.id).about_me) == ("bob", None)
    assert (db.session.get(User, alice.id).username, db.session.get(User, alice.id).about_me) == ("alice2", "mine")


def test_signed_out_gets_nothing_private(client, alice, bob):
    send(bob, alice, "private")
    for url in ["/messages", "/messages/sent", "/edit_profile", "/auth/change_password", "/user/alice",
                "/send_message/alice", "/index", "/explore"]:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
        response = client.get(url, headers=HTMX)
        assert response.status_code == 401 and "/auth/login" in response.headers["HX-Redirect"], url
    response = client.get("/notifications")
    assert response.status_code == 401 and response.get_json()["status"] == 401


# --- Sessions and cookies -----------------------------------------------------------------------

def test_session_cookie_flags(client, alice):
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember_me": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert not any("Secure" in c for c in cookies)  # development runs on http://localhost
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}


def test_production_cookies_are_secure(monkeypatch, database_url):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.setenv("DEBUG", "1")
    app = make_app(database_url, SECRET_KEY="s" * 40)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.debug is False
    with app.app_context():
        make_user("alice")
        response = app.test_client().post("/auth/login", data={"username": "alice", "password": PASSWORD})
        assert response.status_code == 303
        assert all("Secure" in c and "HttpOnly" in c for c in response.headers.getlist("Set-Cookie"))
        db.engine.dispose()


def test_production_refuses_the_dev_secret(monkeypatch, database_url):
    monkeypatch.setenv("MICROBLOG_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def test_session_protection_is_on(app):
    from microblog.extensions import login_manager

    assert login_manager.session_protection in ("basic", "strong")


def test_change_password(as_alice, alice, app):
    stolen = app.test_client()
    with stolen.session_transaction() as session:
        session["_user_id"] = alice.get_id()
    assert stolen.get("/index").status_code == 200
    response = as_alice.get("/auth/change_password")
    form = by_id(page(response), "change-password-form")
    assert {i["name"] for i in form.find_all("input")} >= {"current_password", "password", "password2"}

    response = as_alice.post("/auth/change_password", data={"current_password": "wrong one", "password": "n" * 10,
                                                             "password2": "n" * 10})
    assert response.status_code == 422
    assert "not correct" in text(by_id(page(response), "current_password-error"))
    response = as_alice.post("/auth/change_password", data={"current_password": PASSWORD, "password": "n" * 10,
                                                             "password2": "m" * 10})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, alice.id).check_password(PASSWORD)

    response = as_alice.post("/auth/change_password", data={"current_password": PASSWORD, "password": "n" * 10,
                                                             "password2": "n" * 10})
    assert response.status_code == 303 and response.headers["Location"].endswith("/user/alice")
    assert "Your password has been changed." in as_alice.get("/user/alice").get_data(as_text=True)
    assert as_alice.get("/index").status_code == 200  # this browser stays signed in
    assert stolen.get("/index").status_code == 302  # every other session is over
    db.session.expire_all()
    assert db.session.get(User, alice.id).check_password("n" * 10)


def test_change_password_htmx_answers_a_client_redirect(as_alice):
    response = as_alice.post("/auth/change_password", headers=HTMX,
                             data={"current_password": PASSWORD, "password": "n" * 10, "password2": "n" * 10})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/user/alice")


def test_logout_invalidates_a_copied_session_cookie(as_alice, app):
    copied = as_alice.get_cookie("session").value
    assert as_alice.post("/auth/logout").status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", copied, domain="localhost")
    assert replay.get("/index").status_code == 302


def test_logout_invalidates_a_remember_me_cookie(client, alice, app):
    response = client.post("/auth/login", data={"username": "alice", "password": PASSWORD, "remember_me": "y"})
    assert response.status_code == 303
    remembered = client.get_cookie("remember_token").value
    # The cookie alone signs in (a browser restarted without its session)...
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered, domain="localhost")
    assert fresh.get("/index").status_code == 200
    assert client.post("/auth/logout").status_code == 303
    # ...until the account signs out: a copy replayed afterwards is worth nothing.
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered, domain="localhost")
    assert replay.get("/index").status_code == 302


def test_logout_signs_out_this_browser(as_alice):
    assert as_alice.post("/auth/logout").status_code == 303
    assert as_alice.get("/index").status_code == 302
    assert as_alice.get("/auth/logout").status_code == 405  # no sign-out by GET (no state change on GET)


# --- next= ----------------------------------------------------------------------------------------

OFF_SITE = ["https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "/\\evil.example",
            "\\\\evil.example", "/\\/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " /index",
            "\t//evil.example", "/\t/evil.example", "/\n/evil.example", "/\x00", "data:text/html,x", "evil.example",
            "https:evil.example", "%2F%2Fevil.example", "", None, "/" + "a" * 3000, "mailto:x@evil.example",
            "/\u3000/evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_off_site_targets(target):
    result = safe_next(target)
    assert result is None or (result.startswith("/") and not result.startswith("//") and "\\" not in result)
    if target and target.strip() != target or (target or "").startswith(("http", "//", "/\\", "java", "JaVa")):
        assert result is None
    if any(ord(ch) < 32 for ch in target or ""):
        assert result is None  # control characters: never echoed into a Location header


def test_login_with_a_header_splitting_next_goes_home(client, alice):
    response = client.post("/auth/login?next=/index%0D%0ASet-Cookie:%20x=1", data={"username": "alice",
                                                                                  "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/index"
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("target", ["/index", "/user/bob?page=2", "/messages#top", "/explore?next=//evil"])
def test_safe_next_keeps_same_site_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [t for t in OFF_SITE if t])
def test_login_never_redirects_off_site(client, alice, target):
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location


# --- Headers ----------------------------------------------------------------------------------------

@pytest.fixture
def error_app(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/_db_down")
    def db_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        yield app
        db.engine.dispose()


@pytest.mark.parametrize("url, method, status", [
    ("/healthz", "GET", 200), ("/auth/login", "GET", 200), ("/no/such/page", "GET", 404),
    ("/auth/logout", "GET", 405), ("/_boom", "GET", 500), ("/_db_down", "GET", 503),
    ("/auth/login", "POST", 413), ("/avatar/no%00body.svg", "GET", 404), ("/readyz", "GET", 200),
])
def test_security_headers_on_every_response(error_app, url, method, status):
    client = error_app.test_client()
    data = "x" * (error_app.config["MAX_CONTENT_LENGTH"] + 10) if status == 413 else None
    for headers in ({}, HTMX):
        response = client.open(url, method=method, data=data, headers=headers,
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code == status
        csp = {d.split()[0]: d.split()[1:] for d in response.headers["Content-Security-Policy"].split("; ")}
        assert csp["default-src"] == csp["script-src"] == csp["style-src"] == ["'self'"]
        assert csp["object-src"] == csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == csp["form-action"] == ["'self'"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "secret internals" not in body and "connection refused" not in body


@pytest.mark.parametrize("url", ["/messages", "/messages/bob", "/edit_profile", "/auth/change_password", "/index",
                                 "/user/alice", "/notifications"])
def test_private_pages_and_fragments_are_never_stored_by_caches(as_alice, alice, bob, url):
    for headers in ({}, HTMX):
        response = as_alice.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_public_files_keep_their_own_caching(client):
    assert "no-store" not in client.get("/avatar/alice.svg").headers["Cache-Control"]


def test_htmx_keeps_no_page_in_its_history_cache(as_alice):
    """htmx 2 copies each page it leaves into sessionStorage (`htmx-history-cache`): a size of 0 keeps none,
    so private messages never land there (checked in Chromium by tests/browser/test_csp.py)."""
    meta = page(as_alice.get("/messages")).find("meta", attrs={"name": "htmx-config"})
    assert json.loads(meta["content"])["historyCacheSize"] == 0


def test_sign_out_clears_what_the_browser_kept(as_alice):
    response = as_alice.post("/auth/logout")
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert response.headers["Cache-Control"] == "no-store"


def test_chunked_bodies_over_the_limit_are_413_and_not_processed(as_alice, app, monkeypatch):
    limit = app.config["MAX_CONTENT_LENGTH"]
    served = app.wsgi_app

    def as_a_server_passes_chunked_bodies(environ, start_response):
        # No Content-Length: the stream ends where the body does (werkzeug's and gunicorn's servers).
        if environ.get("HTTP_TRANSFER_ENCODING") == "chunked":
            del environ["CONTENT_LENGTH"]
            environ["wsgi.input_terminated"] = True
        return served(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", as_a_server_passes_chunked_bodies)

    def chunked(data):
        return as_alice.post("/index", input_stream=io.BytesIO(data), headers={
            "Transfer-Encoding": "chunked", "Content-Type": "application/x-www-form-urlencoded"})

    assert chunked(("post=" + "x" * (limit + 100)).encode()).status_code == 413
    assert _count(Post) == 0
    assert chunked(b"post=small+and+chunked").status_code == 303  # under the limit: processed as usual
    assert db.session.scalar(sa.select(Post.body)) == "small and chunked"


@pytest.fixture
def app_log(caplog):
    """caplog: the app's own log lines (migrations keep existing loggers on, see migrations/env.py)."""
    return caplog


def _proxied_app(database_url, hops: int):
    app = make_app(database_url, TRUSTED_PROXIES=hops, SERVER_NAME=None, RATELIMIT_IN_TESTS=True,
                   RATELIMIT_LOGIN_PER_ADDRESS=(2, 900))

    @app.get("/_where")
    def where():
        from flask import request, url_for
        from microblog.ratelimit import client_address

        return {"home": url_for("posts.index", _external=True), "address": client_address(),
                "scheme": request.scheme}

    return app


@pytest.mark.parametrize("hops", [0, 1])
def test_trusted_proxies(database_url, hops, app_log):
    caplog = app_log
    """TRUSTED_PROXIES=1: the client address and scheme come from the proxy's headers, never the host.
    TRUSTED_PROXIES=0: proxy headers change nothing, and the server says once that they arrive."""
    app = _proxied_app(database_url, hops)
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    with app.app_context(), caplog.at_level("WARNING"):
        client = app.test_client()
        seen = [client.get("/_where", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).get_json()
                for _ in range(2)]
        assert "evil.example" not in seen[0]["home"]
        if hops:
            assert (seen[0]["address"], seen[0]["scheme"]) == ("203.0.113.7", "https")
            assert "TRUSTED_PROXIES=0" not in caplog.text
        else:
            assert (seen[0]["address"], seen[0]["scheme"]) == ("10.0.0.1", "http")
            assert caplog.text.count("TRUSTED_PROXIES=0") == 1  # said once, not on every request
        db.engine.dispose()


def test_the_development_key_outside_production_is_a_loud_warning(monkeypatch, database_url, app_log):
    caplog = app_log
    monkeypatch.delenv("MICROBLOG_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with caplog.at_level("WARNING"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert "development SECRET_KEY" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k" * 40})
    assert "development SECRET_KEY" not in caplog.text


def test_a_failing_statement_logs_no_secrets(database_url, app_log):
    caplog = app_log
    """No log line carries a password hash, a session token, a CSRF token or a message body."""
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    secrets_in_play = {"hash": "scrypt:32768:8:1$SECRETHASH", "token": "SECRETTOKEN", "body": "SECRET BODY"}

    @app.get("/_failing")
    def failing():
        db.session.execute(sa.text("SELECT * FROM no_such_table WHERE a = :hash AND b = :token AND c = :body"),
                           secrets_in_play)

    with app.app_context(), caplog.at_level("DEBUG"):
        response = app.test_client().get("/_failing")
        assert response.status_code in (500, 503)
        db.engine.dispose()
    assert "no_such_table" in caplog.text  # the failure is logged...
    for value in secrets_in_play.values():
        assert value not in caplog.text  # ...without its parameters


def test_debug_is_off_by_default(app, monkeypatch, tmp_path):
    from microblog import config

    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert app.debug is False
    assert "DEBUG" not in config.load(str(tmp_path)) or config.load(str(tmp_path))["DEBUG"] is False


# --- Escaping ---------------------------------------------------------------------------------------

def _assert_escaped(response):
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body and "onerror=\"alert(2)\"" not in body and "<img src=x" not in body
    return body


def test_user_text_renders_as_text_everywhere(app, client, auth):
    evil = make_user("evil", about_me=XSS[:140])
    # Usernames are restricted on registration, but stored names must still be escaped.
    odd = make_user("o<b>dd")
    alice = make_user("alice")
    alice.follow(evil)
    db.session.commit()
    make_post(evil, XSS[:140])
    send(evil, alice, XSS[:140])
    send(odd, alice, "from odd")
    auth.login("alice")
    for url in ["/index", "/explore", "/user/evil", "/messages", "/messages/evil"]:
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            body = _assert_escaped(response)
            assert "<b>dd" not in body
    body = client.get("/messages").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "o&lt;b&gt;dd" in body
    response = client.get("/notifications")
    assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
    # A message echoed back in a form with errors is escaped too.
    response = client.post("/messages/evil", data={"message": XSS * 5}, headers=HTMX)
    assert response.status_code == 422
    _assert_escaped(response)
    response = client.post("/index", data={"post": XSS}, headers=HTMX)
    assert response.status_code in (200, 422)
    _assert_escaped(response)


# --- Disguised text (SPEC S16) ------------------------------------------------------------------------

DISGUISES = ["invoice\u202egnp.exe", "a\u202db", "x\u2066y\u2069", "x\u2067y", "zero\u200bwidth", "word\u2060joiner",
             "soft\u00adhyphen", "\ufeffbom", "\u061calm"]


@pytest.mark.parametrize("body", DISGUISES)
def test_text_that_only_disguises_itself_is_refused(as_alice, alice, bob, body):
    for url, field, error_id in [("/index", "post", "post-error"), ("/send_message/bob", "message", "message-error")]:
        response = as_alice.post(url, data={field: body})
        assert response.status_code == 422, url
        assert "control characters" in text(by_id(page(response), error_id))
    response = as_alice.post("/edit_profile", data={"username": "alice", "about_me": body})
    assert response.status_code == 422
    assert (_count(Post), _count(Message)) == (0, 0)
    assert db.session.get(User, alice.id).about_me is None


@pytest.mark.parametrize("body", ["family \U0001F468\u200d\U0001F469\u200d\U0001F467", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
                                  "flag \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
                                  "\u05e9\u05dc\u05d5\u05dd world"])
def test_real_text_with_joiners_and_other_directions_is_kept(as_alice, body):
    assert as_alice.post("/index", data={"post": body}).status_code == 303
    assert db.session.scalar(sa.select(Post.body)) == body


def test_user_text_is_shown_in_its_own_direction(as_alice, alice, bob):
    make_post(bob, "\u05e9\u05dc\u05d5\u05dd 123")
    send(bob, alice, "\u0645\u0631\u062d\u0628\u0627")
    db.session.get(User, bob.id).about_me = "\u05e9\u05dc\u05d5\u05dd"
    db.session.commit()
    for url in ["/explore", "/messages/bob", "/user/bob"]:
        soup = page(as_alice.get(url))
        post = soup.find("article")
        assert post.find(class_="body-text")["dir"] == "auto", url
        assert post.find("bdi") is not None and text(post.find("bdi")) == "bob", url
    conversations = page(as_alice.get("/messages"))
    assert conversations.find(class_="conversation-preview")["dir"] == "auto"
    assert text(conversations.find("li", id=lambda i: i and i.startswith("conversation-")).find("bdi")) == "bob"
    profile = page(as_alice.get("/user/bob"))
    assert profile.find("h1").find("bdi") is not None
    assert profile.find("p", class_="body-text", dir="auto") is not None
