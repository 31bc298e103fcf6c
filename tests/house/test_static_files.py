"""What a phone on a slow network gets: compressed static files and pages, long caching for versioned names."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest

from microblog.resources import PACKAGE_DIR
from microblog.static_files import compress_static
from tests.html import by_id, page

STATIC = PACKAGE_DIR / "static"
BOOTSTRAP = "/static/vendor/bootstrap-5.3.8.min.css"
HTMX_JS = "/static/vendor/htmx-2.0.11.min.js"
BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(scope="module", autouse=True)
def compressed_copies():
    """`make` writes the .br/.gz copies; a test run without make writes them the same way."""
    if not Path(str(STATIC / BOOTSTRAP.removeprefix("/static/")) + ".br").exists():
        compress_static(STATIC)


def test_vendored_files_come_precompressed_and_immutable(client):
    original = (STATIC / BOOTSTRAP.removeprefix("/static/")).read_bytes()
    response = client.get(BOOTSTRAP, headers=BROWSER_ENCODINGS)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert brotli.decompress(response.get_data()) == original
    assert len(response.get_data()) < len(original) / 5
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=315360000" in cache

    gzipped = client.get(HTMX_JS, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.get_data()) == (STATIC / HTMX_JS.removeprefix("/static/")).read_bytes()
    plain = client.get(HTMX_JS)
    assert "Content-Encoding" not in plain.headers and plain.get_data().startswith(b"var htmx")


def test_unversioned_static_files_are_revalidated_not_immutable(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert client.get("/static/app.css", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_static_files_carry_the_security_headers(client):
    response = client.get(BOOTSTRAP)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_pages_are_compressed_for_browsers_that_accept_it(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/index", **BROWSER_ENCODINGS)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    vary = response.headers["Vary"]
    assert "Accept-Encoding" in vary and "HX-Request" in vary
    html = brotli.decompress(response.get_data()).decode()
    assert 'id="message-count"' in html

    gzipped = as_alice.opens("/index", **{"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert 'id="message-count"' in gzip.decompress(gzipped.get_data()).decode()
    assert "Content-Encoding" not in as_alice.opens("/index").headers  # a client that did not ask


def test_the_idle_badge_poll_is_never_compressed(signed_in):
    as_alice = signed_in("alice")
    response = as_alice.opens("/notifications/badge?shown=0", **{"HX-Request": "true", **BROWSER_ENCODINGS})
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "Content-Encoding" not in response.headers


def test_small_fragments_stay_uncompressed(client):
    response = client.get("/notifications/badge", headers={"HX-Request": "true", **BROWSER_ENCODINGS})
    assert response.status_code == 286 and len(response.get_data()) < 500
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize("language, words", [("en", "private messages"), ("es", "mensajes privados")])
def test_every_page_has_a_meta_description(client, language, words):
    soup = page(client.get("/auth/login", headers={"Accept-Language": language}))
    description = soup.find("meta", attrs={"name": "description"})
    assert description is not None and words in description["content"]
    assert by_id(soup, "main")
