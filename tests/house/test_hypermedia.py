"""Hypermedia discipline (SPEC S6, S7): every hx-* element has a no-JS twin, no inline script or style,
every partial declares the variables it uses."""

import re

import pytest
import sqlalchemy as sa
from jinja2 import meta

from microblog.resources import resource_dir
from microblog.users.relations import follow
from tests.conftest import make_post, make_user, send
from tests.html import page

MAIN_PAGES = [
    "/index",
    "/explore",
    "/user/alice",
    "/user/bob",
    "/messages",
    "/messages/bob",
    "/messages/bob?before=9",
    "/settings/profile",
    "/settings/privacy",
    "/settings/account",
    "/settings/two-factor",
    "/settings/blocked",
    "/settings/delete",
    "/search?q=a",
]
ANON_PAGES = ["/auth/login", "/auth/register"]


@pytest.fixture
def busy(app, client, signed_in, alice, bob):
    app.config["POSTS_PER_PAGE"] = 2
    app.config["MESSAGES_PER_PAGE"] = 2
    for i in range(5):
        make_post(alice, f"a{i}")
        make_post(bob, f"b{i}")
        send(bob, alice, f"to alice {i}")
        send(alice, bob, f"to bob {i}")
    for name in ("carol", "dave"):
        send(make_user(name), alice, f"from {name}")
    app.config["THREAD_MESSAGES_PER_PAGE"] = 3
    follow(alice, bob)
    from microblog.extensions import db

    db.session.commit()
    signed_in("alice", client)
    return client


def all_pages(client):
    for url in MAIN_PAGES + [u + "?page=2" for u in ("/index", "/explore", "/user/bob", "/messages")]:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, page(response)


def test_every_hx_get_is_a_link_with_the_same_href(busy):
    seen = 0
    for url, soup in all_pages(busy):
        for element in soup.select("[hx-get]"):
            if element.get("hx-trigger", "").startswith("every "):
                continue  # the polled badge: not user-activated; every full page renders its count
            if element.get("hx-trigger", "").startswith("mouseenter "):
                # A hover card's placeholder: it loads a preview; the author link beside it stays a plain link.
                assert element.find_previous_sibling("a")["href"], url
                continue
            if element.name == "input":
                # Active search: the input sits in a plain GET form to the same URL (its no-JS twin).
                form = element.find_parent("form")
                assert form["method"] == "get" and form["action"] == element["hx-get"], url
                continue
            assert element.name == "a", (url, str(element)[:120])
            assert element["href"] == element["hx-get"], url
            seen += 1
    assert seen > 0


def test_every_hx_post_sits_on_a_real_form(busy, app):
    app.config["WTF_CSRF_ENABLED"] = True  # so that forms render their hidden token
    seen = 0
    for url, soup in all_pages(busy):
        for element in soup.select("[hx-post]"):
            assert element.name == "form", (url, str(element)[:120])
            assert element["method"].lower() == "post"
            assert element["action"] == element["hx-post"]
            assert element.find("input", attrs={"name": "csrf_token"}) is not None
            seen += 1
    assert seen > 0


def test_every_htmx_element_says_its_swap_and_target(busy):
    seen = 0
    for url, soup in all_pages(busy):
        for element in soup.select("[hx-get], [hx-post]"):
            assert element.has_attr("hx-swap"), (url, str(element)[:120])
            # Its target (own, inherited from an ancestor, or itself) is on the page: an #id that exists, or
            # an extended selector relative to the element.
            holder = element if element.has_attr("hx-target") else element.find_parent(attrs={"hx-target": True})
            target = holder["hx-target"] if holder is not None else "this"
            if target.startswith("#"):
                assert soup.find(id=target[1:]) is not None, (url, target)
            else:
                assert target == "this" or target.split()[0] in ("closest", "find", "next", "previous"), (url, target)
            seen += 1
    assert seen >= len(MAIN_PAGES)  # the walk saw htmx elements (a signed-out walk would see few or none)


def test_no_inline_script_style_or_event_handlers(busy, client):
    for url, soup in all_pages(busy):
        for script in soup.find_all("script"):
            assert script.has_attr("src") and script.get_text().strip() == "", url
            assert script["src"].startswith("/static/vendor/")
        assert soup.select("[style]") == [], url
        assert soup.select("[hx-on], [onclick], [onload], [onsubmit]") == [], url
        for element in soup.select("[hx-trigger]"):
            assert "[" not in element["hx-trigger"], url


def test_ids_are_unique_on_every_page(busy, client):
    """The Nu HTML checker's "Duplicate ID" rule, kept by the suite (bench/README.md runs the checker itself):
    two forms with a CSRF field, two password fields, several blocked people on one page, both languages."""
    from microblog.users.relations import Block
    from microblog.extensions import db
    from microblog.users.models import User

    alice = db.session.scalar(sa.select(User).where(User.username == "alice"))
    for name in ("carol", "dave"):
        db.session.add(Block(blocker_id=alice.id, blocked_id=User.by_username(name).id))
    db.session.commit()
    for language in ("en", "es"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        for url, soup in all_pages(busy):
            ids = [element["id"] for element in soup.select("[id]")]
            assert sorted({i for i in ids if ids.count(i) > 1}) == [], (url, language)


def test_body_carries_csrf_token_for_htmx(busy):
    soup = page(busy.get("/index"))
    assert re.fullmatch(r'\{"X-CSRFToken": "[^"]+"\}', soup.body["hx-headers"])


def test_htmx_is_configured_without_eval(busy):
    import json

    soup = page(busy.get("/index"))
    config = json.loads(soup.find("meta", attrs={"name": "htmx-config"})["content"])
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert {"code": "422", "swap": True} in config["responseHandling"]


def test_aria_current_only_on_the_current_nav_link(busy):
    for url, expected in [
        ("/index", "/index"),
        ("/explore", "/explore"),
        ("/messages", "/messages"),
        ("/user/alice", "/user/alice"),
        ("/user/bob", None),
    ]:
        soup = page(busy.get(url))
        current = soup.find("nav").select('[aria-current="page"]')
        assert [a["href"] for a in current] == ([expected] if expected else []), url


def test_anonymous_pages_work_without_javascript(client):
    """The sign-in and registration pages carry no htmx at all: plain forms that post to themselves, and
    plain links (so there is nothing for a twin check to loop over; this says so)."""
    for url in ANON_PAGES:
        soup = page(client.get(url))
        assert soup.select("[hx-get], [hx-post], [hx-boost], [hx-trigger]") == [], url
        forms = soup.select("main form")
        assert len(forms) == 1, url
        assert forms[0]["method"].lower() == "post" and forms[0]["action"].startswith(url), url
        assert forms[0].select("button[type=submit]"), url


# --- partials ---------------------------------------------------------------------------------

PARTIALS = sorted(resource_dir("partials").rglob("*.html"))
# Names every template may use without declaring them (Flask, Flask-Babel, Flask-Login, our globals).
GLOBALS = {
    "_",
    "gettext",
    "ngettext",
    "url_for",
    "current_user",
    "csrf_token",
    "get_flashed_messages",
    "request",
    "config",
    "g",
    "session",
    "timetag",
    "badge_label",
    "locale",
    "endpoint",
}


def contract(source: str) -> str:
    match = re.match(r"\s*\{#(.*?)#\}", source, re.S)
    assert match, "a partial must start with its contract comment {# ... #}"
    return match.group(1)


def declared_names(comment: str) -> set[str]:
    names = set()
    for label in ("Needs", "Optional"):
        match = re.search(rf"{label}:(.*?)(?:\n\s*[A-Z][a-z]+ ?[a-z]*:|\Z)", comment, re.S)
        if match:
            names |= set(re.findall(r"[a-z_][a-z0-9_]*", match.group(1)))
    return names


def assigned_names(source: str) -> set[str]:
    """Names the template sets itself ({% set x %}, even inside an {% if %}, which jinja2.meta reports)."""
    return set(re.findall(r"\{%-?\s*set\s+([a-z_][a-z0-9_]*)", source))


def test_there_are_partials():
    assert len(PARTIALS) >= 10


@pytest.mark.parametrize("path", PARTIALS, ids=lambda p: str(p.relative_to(resource_dir("partials"))))
def test_partial_declares_its_contract_and_variables(app, path):
    source = path.read_text(encoding="utf-8")
    comment = contract(source)
    for label in ("Renders:", "Needs:", "Served by:", "Keep:"):
        assert label in comment, f"{path.name}: contract lacks {label}"
    ast = app.jinja_env.parse(source)
    used = meta.find_undeclared_variables(ast) - GLOBALS - assigned_names(source)
    missing = used - declared_names(comment)
    assert not missing, f"{path.name} uses {sorted(missing)} without declaring them"
    assert "<!--" not in source, "HTML comments ship to browsers; use {# #}"
