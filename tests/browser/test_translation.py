"""Translating a post in a real browser (SPEC S15), with and without JavaScript."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
import pytest
from playwright.sync_api import expect

from tests.translation.test_translation import SPANISH, FakeLibreTranslate

from .conftest import mark_document, same_document, sign_in


@pytest.fixture
def translator(live_server):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    server.mode, server.requests = "ok", []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live_server.app.config["TRANSLATOR_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("javascript", [True, False])
def test_translate_a_post(live_server, new_context, translator, javascript):
    live_server.user("alice")
    live_server.user("bob")
    live_server.posts("bob", [SPANISH])
    page = new_context(java_script_enabled=javascript).new_page()
    sign_in(page, "alice")
    page.goto("/explore")
    if javascript:
        mark_document(page)
    page.click("#posts article form button:has-text('Translate')")
    expect(page.locator("[id^=translation-]")).to_contain_text("[en] Hola")
    if javascript:
        assert same_document(page)
        expect(page.locator("#posts article form")).to_have_count(0)
