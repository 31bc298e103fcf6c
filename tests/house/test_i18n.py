"""Internationalisation (SPEC S8): the Spanish catalogue is complete, consistent and up to date with the
code, and pages follow `Accept-Language` (text, `<html lang>`, plural forms).

The first tests read files only; they fail with the list of entries to fix. The fix is usually:

    flask --app microblog translate update     # pick up new strings, drop removed ones
    (translate the new entries in microblog/translations/es/LC_MESSAGES/messages.po)
    flask --app microblog translate compile    # `make test` does this before running the suite
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from microblog.commands.translate import ROOT, TRANSLATIONS
from tests.conftest import HTMX, send
from tests.html import actor, by_id, fragment, page, text

LANGUAGES = ["es"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load_po(lang: str):
    with open(po_path(lang), "rb") as f:
        return read_po(f, locale=lang)


def entries(catalog):
    """The catalogue's messages, header left out."""
    return [m for m in catalog if m.id]


def first_id(message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def as_tuple(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def placeholders(s: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(s or ""))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings in the code now, extracted exactly as `flask translate update` does (microblog/commands/translate.py)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    command = [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "-o",
        str(pot),
        ".",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with open(pot, "rb") as f:
        return read_po(f)


# --- the catalogue itself --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_header_has_plural_forms(lang):
    catalog = load_po(lang)
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n!=1)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(lang):
    catalog = load_po(lang)
    problems = []
    for m in entries(catalog):
        if m.fuzzy:
            problems.append(f"fuzzy: {first_id(m)!r}")
        strings = as_tuple(m.string)
        if m.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"needs {catalog.num_plurals} plural forms: {first_id(m)!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {first_id(m)!r}")
    assert not problems, f"{po_path(lang)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_between_msgid_and_msgstr(lang):
    catalog = load_po(lang)
    problems = []
    for m in entries(catalog):
        ids = as_tuple(m.id)
        expected = placeholders(ids[0])
        if len(ids) > 1:
            assert placeholders(ids[1]) == expected, f"msgid and msgid_plural differ: {ids!r}"
        for i, s in enumerate(as_tuple(m.string)):
            if s and placeholders(s) != expected:
                problems.append(f"{ids[0]!r} -> msgstr[{i}] {s!r}: has {placeholders(s)}, needs {expected}")
    assert not problems, f"{po_path(lang)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_the_po(lang):
    """The app reads the .mo (a git-ignored build product): a stale one shows old or English text."""
    mo = po_path(lang).with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run `flask --app microblog translate compile` (or `make test`)"
    with open(mo, "rb") as f:
        compiled = {first_id(m): as_tuple(m.string) for m in read_mo(f) if m.id}
    stale = [first_id(m) for m in entries(load_po(lang)) if compiled.get(first_id(m)) != as_tuple(m.string)]
    assert not stale, f"{mo} is stale, run `flask --app microblog translate compile`; differs for: {stale}"


# --- the catalogue against the code -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_in_the_code_is_in_the_catalogue(lang, extracted):
    catalog = load_po(lang)
    missing = [first_id(m) for m in entries(extracted) if catalog.get(m.id, m.context) is None]
    assert not missing, (
        f"{len(missing)} string(s) in the code are not in {po_path(lang)}; run "
        f"`flask --app microblog translate update` and translate them:\n" + "\n".join(map(repr, missing))
    )
    wrong_plural = [
        first_id(m) for m in entries(extracted) if as_tuple(catalog.get(m.id, m.context).id) != as_tuple(m.id)
    ]
    assert not wrong_plural, f"singular/plural forms differ from the code: {wrong_plural}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_has_no_strings_the_code_no_longer_uses(lang, extracted):
    stale = [first_id(m) for m in entries(load_po(lang)) if extracted.get(m.id, m.context) is None]
    assert not stale, (
        f"{po_path(lang)} has strings the code no longer uses; run `flask --app microblog translate update`:\n"
        + "\n".join(map(repr, stale))
    )


# --- pages follow Accept-Language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "spanish", "english"),
    [
        (
            "/auth/login",
            ["Iniciar sesión", "¿Usuario nuevo?", "Nombre de usuario", "Contraseña", "Recordarme"],
            ["Sign in", "New user?", "Username", "Password", "Remember me"],
        ),
        (
            "/auth/register",
            ["Registrarse", "Correo electrónico", "Repite la contraseña", "Al menos 8 caracteres."],
            ["Register", "Email", "Repeat password", "At least 8 characters."],
        ),
    ],
)
def test_signed_out_pages_follow_accept_language(client, path, spanish, english):
    es = page(client.get(path, headers=ES))
    assert es.html["lang"] == "es"
    body = text(es)
    for s in spanish:
        assert s in body, f"{s!r} not on the Spanish {path}"
    assert "Remember me" not in body and "New user?" not in body

    en = page(client.get(path, headers=EN))
    assert en.html["lang"] == "en"
    body = text(en)
    for s in english:
        assert s in body, f"{s!r} not on the English {path}"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("es-ES,es;q=0.9,en;q=0.5", "es"),
        ("es-MX", "es"),
        ("fr-FR,es;q=0.8,en;q=0.5", "es"),
        ("en-US,en;q=0.9,es;q=0.5", "en"),
        ("de-DE", "en"),
        ("", "en"),
    ],
)
def test_locale_is_the_best_match_from_accept_language(client, header, lang):
    headers = {"Accept-Language": header} if header else {}
    assert page(client.get("/auth/login", headers=headers)).html["lang"] == lang


def test_signed_in_page_and_flash_in_spanish(signed_in, bob):
    as_alice = signed_in("alice")
    response = (
        as_alice.speaks("es")
        .opens(f"/messages/{bob.username}")
        .submits("#message-form", message="hola")
        .follows_redirect()
    )
    soup = page(response)
    assert soup.html["lang"] == "es"
    body = text(soup)
    assert "Tu mensaje ha sido enviado." in body
    assert "Mensajes" in body and "Cerrar sesión" in body
    assert "Your message has been sent." not in body


def test_flash_in_english(signed_in, bob):
    as_alice = signed_in("alice")
    response = (
        as_alice.speaks("en")
        .opens(f"/messages/{bob.username}")
        .submits("#message-form", message="hi")
        .follows_redirect()
    )
    soup = page(response)
    assert soup.html["lang"] == "en"
    assert "Your message has been sent." in text(soup)


def test_form_errors_in_spanish(client):
    """Lazy strings (`_l`) in forms resolve in the request's language, not the one at import time."""
    data = {"username": "ana", "email": "ana@example.com", "password": "abcdefgh", "password2": "different"}
    soup = page(actor(client).speaks("es").opens("/auth/register").submits("#register-form", **data))
    assert "Las contraseñas no coinciden." in text(soup)
    soup = page(actor(client).speaks("en").opens("/auth/register").submits("#register-form", **data))
    assert "The passwords do not match." in text(soup)


def test_htmx_sign_in_prompt_in_spanish(client):
    response = client.get("/settings/profile", headers={**ES, **HTMX})
    assert response.status_code == 401
    assert "Tienes que iniciar sesión para ver esto." in text(fragment(response))


def test_error_page_in_spanish(client):
    response = client.get("/no-such-page", headers=ES)
    assert response.status_code == 404
    soup = page(response)
    assert soup.html["lang"] == "es"
    assert "No encontrado" in text(soup) and "No hay nada en esta dirección." in text(soup)


# --- plural forms ---------------------------------------------------------------------------------


def badge_text(client, headers) -> str:
    return text(fragment(client.get("/notifications/badge", headers=headers), "#message-count .visually-hidden"))


@pytest.mark.parametrize(
    ("n", "spanish", "english"),
    [
        (1, "1 mensaje sin leer", "1 unread message"),
        (2, "2 mensajes sin leer", "2 unread messages"),
        (5, "5 mensajes sin leer", "5 unread messages"),
    ],
)
def test_badge_uses_plural_forms(signed_in, alice, bob, n, spanish, english):
    as_alice = signed_in("alice")
    for i in range(n):
        send(bob, alice, f"message {i}")
    assert badge_text(as_alice.client, ES) == spanish
    assert badge_text(as_alice.client, EN) == english


def test_badge_in_the_navbar_of_a_spanish_page(signed_in, alice, bob):
    as_alice = signed_in("alice")
    send(bob, alice)
    soup = page(as_alice.opens("/", **ES))
    assert soup.html["lang"] == "es"
    assert text(by_id(soup, "message-count")).endswith("1 mensaje sin leer")


def test_follower_counts_use_plural_forms(signed_in, alice, bob):
    as_alice = signed_in("alice")
    body = text(page(as_alice.opens(f"/user/{bob.username}", **ES)))
    assert "0 seguidores" in body
    as_alice.speaks("es").opens(f"/user/{bob.username}").presses("Seguir")
    body = text(page(as_alice.opens(f"/user/{bob.username}", **ES)))
    assert "1 seguidor," in body and "siguiendo a 0" in body


@pytest.mark.parametrize("language", ["en", "es", "de", "ja", "ar"])
def test_our_medium_datetime_formatting_is_babels(language):
    """timetag's absolute time (cached) reads exactly as Babel's format_datetime."""
    from datetime import datetime, timedelta, timezone

    from babel import Locale
    from babel.dates import format_datetime

    from microblog.formatting import format_medium_datetime

    locale = Locale.parse(language)
    start = datetime(2026, 1, 1, 0, 0, 5, tzinfo=timezone.utc)
    for hours in range(0, 24 * 400, 37):  # every hour of the day, across months and a year end
        value = start + timedelta(hours=hours, minutes=hours % 60)
        assert format_medium_datetime(value, locale) == format_datetime(
            value, "medium", tzinfo=timezone.utc, locale=locale
        )


@pytest.mark.parametrize("n, spanish", [(1, "1 mensaje sin leer"), (2, "2 mensajes sin leer")])
def test_conversation_list_and_thread_in_spanish(signed_in, alice, bob, n, spanish):
    as_alice = signed_in("alice")
    for i in range(n):
        send(bob, alice, f"hola {i}")
    send(alice, bob, "¿qué tal?")
    row = by_id(page(as_alice.opens("/messages", **ES)), "conversation-list").select_one("li[id^=conversation-]")
    assert spanish in text(row)
    assert "Tú: ¿qué tal?" in text(row)
    assert "Eliminar la conversación con bob" in text(row)
    thread = page(as_alice.opens("/messages/bob", **ES))
    assert text(thread.find("h1")) == "Conversación con bob"
    assert by_id(thread, "message-log")["aria-label"] == "Conversación con bob"
    assert text(by_id(thread, "thread-poller")) == "Buscar mensajes nuevos"
    assert "Tú" in text(by_id(thread, "message-log").select_one("article.message-mine"))
