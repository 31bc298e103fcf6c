"""The two per-item costs every list pays, made cheap without changing a byte (issue 27): a template's links
are built once per app and SCRIPT_NAME (`template_url_for`), and its strings come from the request's catalogue
bound once per render (`_`, `gettext`, `ngettext`), with Jinja's "newstyle" meaning kept (microblog/templating.py)."""

from flask import render_template_string

from tests.html import actor


def test_links_follow_the_mount_point_of_each_request(signed_in):
    as_alice = signed_in("alice").client  # its test client: this test sends requests by hand
    for prefix in ("/mb", "", "/mb", "/other"):
        html = as_alice.get("/index", environ_overrides={"SCRIPT_NAME": prefix}).get_data(as_text=True)
        assert f'href="{prefix}/explore"' in html
        assert f'href="{prefix}/user/alice"' in html
        assert f'href="{prefix}/static/app.css"' in html
        if prefix:
            assert 'href="/explore"' not in html


def test_each_link_is_built_once_per_app(app, signed_in):
    as_alice = signed_in("alice").client  # its test client: this test sends requests by hand
    links = app.extensions["template_links"]
    links.clear()
    as_alice.get("/index")
    size = len(links)
    assert ("", "posts.explore") in links and links[("", "posts.explore")] == "/explore"
    as_alice.get("/index")
    assert len(links) == size  # the second page built no new link


def test_the_pages_strings_are_in_the_readers_language(signed_in):
    as_alice = signed_in("alice").client  # its test client: this test sends requests by hand
    soup = actor(as_alice).opens("/index", **{"Accept-Language": "es"}).page()
    menu = soup.find("details", id="site-menu")
    assert [a.get_text(strip=True) for a in menu.find_all("a")][:2] == ["Inicio", "Explorar"]


def test_template_strings_escape_their_arguments_where_autoescaping_is_on(app):
    source = (
        '{{ _("Hello %(name)s", name=who) }}|{{ ngettext("%(num)d apple", "%(num)d apples", n) }}|'
        '{% autoescape false %}{{ _("Hello %(name)s", name=who) }}{% endautoescape %}'
    )
    with app.test_request_context("/"):
        assert render_template_string(source, who="<b>&", n=3) == "Hello &lt;b&gt;&amp;|3 apples|Hello <b>&"
        assert render_template_string(source, who="x", n=1).startswith("Hello x|1 apple|")


def test_times_follow_the_locale_in_force_where_they_are_rendered(app):
    from datetime import timedelta

    from flask_babel import force_locale, get_locale

    from microblog.database import utcnow
    from microblog.formatting import timetag

    old = utcnow() - timedelta(days=40)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert str(get_locale()) == "en"
        english = timetag(old)
        with force_locale("es"):
            spanish = timetag(old)
        assert timetag(old) == english
    assert english != spanish
    assert old.strftime("%Y") in english and old.strftime("%Y") in spanish
    month = {1: "ene", 2: "feb", 3: "mar", 4: "abr", 5: "may", 6: "jun", 7: "jul", 8: "ago", 9: "sept", 10: "oct"}
    assert month.get(old.month, "") in spanish.lower()


def test_a_kept_template_string_is_told_apart_by_its_arguments_types_and_autoescaping(app):
    from markupsafe import Markup

    source = '{{ _("Hello %(name)s", name=who) }}'
    with app.test_request_context("/"):
        for _ in range(2):  # the second time from what was kept
            assert render_template_string(source, who="<b>") == "Hello &lt;b&gt;"
            assert render_template_string(source, who=Markup("<b>")) == "Hello <b>"
            assert render_template_string("{% autoescape false %}" + source + "{% endautoescape %}", who="<b>") == (
                "Hello <b>"
            )
            assert render_template_string(source, who=["x"]) == "Hello [&#39;x&#39;]"  # unhashable: not kept
            assert render_template_string('{{ ngettext("%(num)d apple", "%(num)d apples", n) }}', n=2) == "2 apples"
