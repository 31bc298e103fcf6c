"""The partials gallery (SPEC S7): every partial has samples, each renders in English and Spanish,
and the page exists only when DEBUG or GALLERY_ENABLED is on."""

from __future__ import annotations

import pytest

from microblog.gallery.samples import entries, partial_names
from tests.conftest import make_app
from tests.html import by_id, page, text


@pytest.fixture
def gallery_app(tmp_path):
    return make_app("sqlite:///" + str(tmp_path / "gallery.db"), GALLERY_ENABLED=True)


def test_every_partial_has_samples_that_load(gallery_app):
    with gallery_app.test_request_context("/gallery/"):  # samples may build forms: they need a request
        found = entries()
    assert {entry.name for entry in found} == set(partial_names())
    assert len(found) >= 10, "the gallery should see every file in partials/"
    problems = {entry.name: entry.error for entry in found if entry.error or not entry.samples}
    assert not problems, f"partials without a working gallery entry: {problems}"


def test_gallery_renders_every_sample_in_english_and_spanish(gallery_app):
    response = gallery_app.test_client().get("/gallery/")
    assert response.status_code == 200
    soup = page(response)
    with gallery_app.test_request_context("/gallery/"):
        found = entries()
    errors = [text(e) for e in soup.select(".gallery-error")]
    assert not errors, f"samples that failed to render: {errors}"
    for entry in found:
        assert entry.samples, entry.name
        section = by_id(soup, f"gallery-{entry.slug}")
        assert entry.name in text(by_id(section, f"gallery-{entry.slug}-title"))
        for number in range(1, len(entry.samples) + 1):
            for locale in ("en", "es"):
                sample = by_id(section, f"gallery-{entry.slug}-{number}-{locale}")
                assert sample["lang"] == locale


def test_gallery_shows_the_partials_themselves(gallery_app):
    soup = page(gallery_app.test_client().get("/gallery/"))
    english = by_id(soup, "gallery-notifications-badge-3-en")
    assert text(english.select_one("#message-count .badge")) == "3"
    assert "3 unread messages" in text(english.select_one("#message-count .visually-hidden"))
    # Times are formatted in the sample's locale: force_locale really switched to Spanish.
    assert "ago" in text(by_id(soup, "gallery-posts-post-1-en").find("time"))
    assert "hace" in text(by_id(soup, "gallery-posts-post-1-es").find("time"))
    # Each sample shows in both colour schemes, the same markup under each.
    dark = by_id(soup, "gallery-posts-post-1-en").select_one(".gallery-dark[data-bs-theme=dark]")
    light = by_id(soup, "gallery-posts-post-1-en").select_one(".gallery-light[data-bs-theme=light]")
    assert text(dark) == text(light) and "Hello, world!" in text(dark)
    # Samples are inert on the gallery page: nothing polls or posts from there.
    assert by_id(soup, "gallery").has_attr("hx-disable")


def test_one_partial_has_its_own_page(gallery_app):
    client = gallery_app.test_client()
    soup = page(client.get("/gallery/messages/form"))
    assert [s["id"] for s in soup.select("section.gallery-entry")] == ["gallery-messages-form"]
    assert by_id(soup, "gallery-messages-form-2-en").select_one("#message-error")
    assert client.get("/gallery/messages/nothing-here").status_code == 404


def test_a_missing_samples_file_is_reported(gallery_app, tmp_path, monkeypatch):
    from microblog.gallery import samples

    root = tmp_path / "partials"
    (root / "widgets").mkdir(parents=True)
    (root / "widgets" / "thing.html").write_text("<p id='thing'>{{ _('Thing') }}</p>")
    monkeypatch.setattr(samples, "partials_root", lambda: root)
    [entry] = samples.entries()
    assert entry.name == "partials/widgets/thing.html"
    assert "widgets/thing.samples.py" in entry.error


@pytest.mark.parametrize("config", [{}, {"GALLERY_ENABLED": False, "DEBUG": False}])
def test_gallery_is_404_unless_enabled(tmp_path, config):
    app = make_app("sqlite:///" + str(tmp_path / "off.db"), **config)
    client = app.test_client()
    assert client.get("/gallery/").status_code == 404
    assert client.get("/gallery/messages/form").status_code == 404


def test_gallery_is_on_in_debug(tmp_path):
    app = make_app("sqlite:///" + str(tmp_path / "debug.db"), DEBUG=True)
    assert app.test_client().get("/gallery/").status_code == 200
