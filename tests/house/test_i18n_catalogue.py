"""The request's catalogue, kept once found (microblog/i18n.py): every string still follows the locale in force,
`force_locale()` included (the emails and exports switch to the reader's language and back)."""

from __future__ import annotations

from flask_babel import force_locale, get_translations, gettext, lazy_gettext

ES = {"Accept-Language": "es"}


def test_strings_follow_force_locale_and_come_back(app):
    home = lazy_gettext("Home")
    with app.test_request_context("/", headers=ES):
        assert gettext("Home") == "Inicio"
        spanish = get_translations()
        with force_locale("en"):
            assert gettext("Home") == "Home"
            assert str(home) == "Home"
            assert get_translations() is not spanish
        assert gettext("Home") == "Inicio"
        assert str(home) == "Inicio"
        assert get_translations() is spanish


def test_a_kept_catalogue_is_never_another_requests(app):
    with app.app_context():  # each request's own app context, as under a server
        with app.test_request_context("/", headers=ES):
            assert gettext("Settings") == "Configuración"
    with app.app_context():
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            assert gettext("Settings") == "Settings"


def test_pages_in_each_language_one_after_the_other(app, signed_in):
    alice = signed_in("alice")
    spanish = alice.opens("/settings/profile", **ES)
    english = alice.opens("/settings/profile", **{"Accept-Language": "en"})
    assert spanish.status == english.status == 200
    assert "Email and password" not in spanish.text("settings-nav")  # the nav's labels are lazy strings
    assert "Correo" in spanish.text("settings-nav")
    assert "Email and password" in english.text("settings-nav")


def test_each_accept_language_header_picks_its_language_every_time(app, signed_in):
    """The language each header picks is remembered per header (microblog/__init__.py, select_locale)."""
    alice = signed_in("alice")
    for header, expected in [
        ("es", "Correo"),
        ("en-GB,en;q=0.9", "Email and password"),
        ("es", "Correo"),
        ("fr,es;q=0.5,en;q=0.4", "Correo"),
        ("fr", "Email and password"),  # no language we have: English
        ("es-MX,es;q=0.9", "Correo"),
        ("", "Email and password"),
    ]:
        assert expected in alice.opens("/settings/profile", **{"Accept-Language": header}).text("settings-nav"), header
