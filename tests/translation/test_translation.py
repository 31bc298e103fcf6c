"""Post translation (SPEC S15): language detected when written, a Translate control for posts in another
language, POST /translate against a fake LibreTranslate server on loopback, its failures shown inline."""

# Readers translate through the post's own form (the actor); raw POSTs remain for what no page offers: bad
# post ids, a post without a control, a missing sign-in or CSRF token.

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.posts.models import Post
from microblog.ratelimit import RateLimitHit
from tests.conftest import HTMX, make_post, send
from tests.html import by_id, fragment, page, submit, text

SPANISH = "Hola, ¿cómo estás? Hoy hace muy buen tiempo en Madrid y vamos a la playa."
ENGLISH = "The weather is lovely today and we are all going to the beach together."


class FakeLibreTranslate(BaseHTTPRequestHandler):
    """LibreTranslate's POST /translate; `server.mode` says how to answer."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.path, payload))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(3)
        if mode == "drip":  # a valid answer, one byte every 0.2 s: ~6 s in all
            raw = json.dumps({"translatedText": "dripped " + "x" * 20}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            try:
                for byte in raw:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    self.server.dripped += 1
                    time.sleep(0.2)
            except OSError:
                pass
            finally:
                self.server.drips_done.release()
            return
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "huge":
            raw = json.dumps({"translatedText": "y" * 300_000}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        status, body = 200, {"translatedText": f"[{payload['target']}] {payload['q'][:20]}"}
        if mode == "html":
            body = {"translatedText": "<img src=x onerror=alert(1)> translated"}
        elif mode == "empty":
            body = {"translatedText": "  "}
        elif mode in ("refuse", "fail"):
            status, body = (403, {"error": "Invalid API key"}) if mode == "refuse" else (500, {"error": "boom"})
        raw = b"this is not json" if mode == "garbage" else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):  # noqa: N802 - where "redirect" points: a translation, if anyone followed it
        raw = json.dumps({"translatedText": "followed a redirect"}).encode()
        self.server.requests.append((self.path, None))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def translator(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    server.mode, server.requests = "ok", []
    server.dripped, server.drips_done = 0, threading.Semaphore(0)  # bytes a drip sent; one release a drip
    # shutdown() waits for the serving loop to look at its flag: every 50 ms, not the default 0.5 s
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.config.update(TRANSLATOR_URL=f"http://127.0.0.1:{server.server_port}", TRANSLATOR_TIMEOUT=1)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def spanish_post(bob):
    return make_post(bob, SPANISH)


def test_language_is_detected_when_a_post_is_written(signed_in):
    as_alice = signed_in("alice")
    for body, language in ((SPANISH, "es"), (ENGLISH, "en"), ("hi", None), ("12345 678 !!!", None)):
        assert as_alice.opens("/index").submits("#post-form", post=body).status == 303
        assert db.session.scalar(sa.select(Post.language).order_by(Post.id.desc()).limit(1)) == language, body


def test_no_translate_control_without_a_translator(signed_in, spanish_post):
    as_alice = signed_in("alice")
    assert page(as_alice.opens("/explore")).find(id=f"translate-{spanish_post.id}") is None
    assert (
        as_alice.client.post("/translate", data={"post_id": spanish_post.id}).status_code == 400
    )  # raw: the page offers no Translate control here (checked above)


def test_control_only_for_posts_in_another_language(signed_in, translator, bob, spanish_post):
    as_alice = signed_in("alice")
    english = make_post(bob, ENGLISH)
    unknown = make_post(bob, "ok")
    soup = page(as_alice.opens("/explore"))
    assert soup.find(id=f"translate-{spanish_post.id}")
    assert soup.find(id=f"translate-{english.id}") is None and soup.find(id=f"translate-{unknown.id}") is None
    soup = page(as_alice.opens("/explore", **{"Accept-Language": "es"}))
    assert soup.find(id=f"translate-{english.id}") and soup.find(id=f"translate-{spanish_post.id}") is None


def test_translate_with_htmx_swaps_in_the_translation(signed_in, app, translator, spanish_post):
    as_alice = signed_in("alice")
    app.config["TRANSLATOR_API_KEY"] = "k3y"
    form = by_id(page(as_alice.opens("/explore")), f"translate-{spanish_post.id}")
    assert form["hx-post"] == form["action"] == "/translate" and form["hx-target"] == "this"
    response = submit(as_alice.client, form, headers=HTMX)
    assert response.status_code == 200
    translation = fragment(response, f"#translation-{spanish_post.id}")
    assert "[en] Hola" in text(translation)
    assert translation.select_one("[lang=en]")
    assert text(translation.select_one("bdi[dir=auto]")).startswith("[en] Hola")  # in its own direction
    assert translator.requests == [
        ("/translate", {"q": SPANISH, "source": "es", "target": "en", "format": "text", "api_key": "k3y"})
    ]


def test_translate_as_a_plain_form(signed_in, translator, spanish_post):
    as_alice = signed_in("alice")
    form = by_id(page(as_alice.opens("/explore")), f"translate-{spanish_post.id}")
    response = submit(as_alice.client, form)
    assert response.status_code == 200
    soup = page(response)
    assert "[en] Hola" in text(by_id(soup, f"translation-{spanish_post.id}"))
    assert by_id(soup, f"post-{spanish_post.id}").find("form") is None


@pytest.mark.parametrize(
    "mode, message",
    [
        ("slow", "took too long"),
        ("fail", "not working"),
        ("refuse", "refused"),
        ("garbage", "not working"),
        ("empty", "gave no translation"),
        # SPEC S22: a total deadline (the drip's every byte comes well within the per-read timeout), no
        # redirect followed (where it leads answers a translation), no answer over MAX_ANSWER.
        ("drip", "took too long"),
        ("redirect", "not working"),
        ("huge", "not working"),
    ],
)
def test_translator_failures_are_inline_messages(signed_in, translator, spanish_post, mode, message):
    as_alice = signed_in("alice")
    translator.mode = mode
    explore = as_alice.opens("/explore")
    response = explore.with_htmx().submits(f"#translate-{spanish_post.id}")
    assert response.status_code == 200  # htmx swaps only successes: the message goes inline
    assert message in text(fragment(response, f"#translation-{spanish_post.id}").select_one("[role=alert]"))
    plain = explore.submits(f"#translate-{spanish_post.id}")
    assert plain.status_code == 502
    assert message in text(by_id(page(plain), f"translation-{spanish_post.id}"))
    assert [path for path, _payload in translator.requests] == ["/translate", "/translate"]  # nothing followed
    if mode == "drip":  # cut off at the deadline (TRANSLATOR_TIMEOUT, 1 s here): the drips did not get to the end
        assert translator.drips_done.acquire(timeout=30) and translator.drips_done.acquire(timeout=30)
        assert translator.dripped < len(json.dumps({"translatedText": "dripped " + "x" * 20})), translator.dripped


def test_an_unreachable_translator_is_an_inline_message(signed_in, app, spanish_post):
    as_alice = signed_in("alice")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config["TRANSLATOR_URL"] = f"http://127.0.0.1:{port}"
    response = as_alice.opens("/explore").with_htmx().submits(f"#translate-{spanish_post.id}")
    assert response.status_code == 200 and "not working" in text(fragment(response))


def test_the_translation_is_text(signed_in, translator, spanish_post):
    as_alice = signed_in("alice")
    translator.mode = "html"
    response = as_alice.opens("/explore").with_htmx().submits(f"#translate-{spanish_post.id}")
    assert fragment(response).find("img") is None
    assert "<img src=x onerror=alert(1)> translated" in text(fragment(response))


@pytest.mark.parametrize(
    "post_id, status",
    [
        ("", 400),
        ("abc", 400),
        ("-1", 400),
        ("1.5", 400),
        ("1e3", 400),
        ("9" * 40, 400),
        ("1\x00", 400),
        ("٣", 400),
        ("999999", 404),
    ],
)
def test_bad_post_ids(signed_in, translator, spanish_post, post_id, status):
    as_alice = signed_in("alice")
    assert (
        as_alice.client.post("/translate", data={"post_id": post_id}).status_code == status
    )  # raw: post ids no page offers
    assert translator.requests == []


def test_a_post_in_the_readers_language_is_not_sent(signed_in, translator, bob):
    as_alice = signed_in("alice")
    english = make_post(bob, ENGLISH)
    assert (
        as_alice.client.post("/translate", data={"post_id": english.id}).status_code == 400
    )  # raw: an English post has no Translate control
    assert translator.requests == []


def test_messages_have_no_translate_control(signed_in, translator, alice, bob):
    as_alice = signed_in("alice")
    send(bob, alice, SPANISH)
    assert "translate-" not in as_alice.opens("/messages").get_data(as_text=True)


def test_translate_needs_sign_in_and_csrf(client, csrf_app, spanish_post):
    assert client.post("/translate", data={"post_id": spanish_post.id}).status_code in (
        302,
        401,
    )  # raw: signed out: no page offers the control
    csrf_app.config["TRANSLATOR_URL"] = "http://127.0.0.1:9"
    assert csrf_app.test_client().post("/translate", data={"post_id": spanish_post.id}).status_code == 400


def test_translations_are_rate_limited_per_user(signed_in, app, translator, spanish_post):
    as_alice = signed_in("alice")
    app.config.update(RATELIMIT_IN_TESTS=True, RATELIMIT_TRANSLATE_PER_USER=(2, 60))
    db.session.execute(sa.delete(RateLimitHit))
    db.session.commit()
    try:
        explore = as_alice.opens("/explore").with_htmx()
        for _ in range(2):
            assert explore.submits(f"#translate-{spanish_post.id}").status == 200
        response = explore.submits(f"#translate-{spanish_post.id}")
        assert response.status_code == 429 and "Too many translations" in text(fragment(response))
        assert len(translator.requests) == 2
    finally:
        db.session.execute(sa.delete(RateLimitHit))
        db.session.commit()
