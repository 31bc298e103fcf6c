"""The templates read the Jinja environment's globals directly (microblog/templating.py, PageEnvironment):
still live, and never changed by a template."""

from __future__ import annotations

import pytest
from flask import render_template


def test_a_global_swapped_after_a_template_is_loaded_is_seen(app):
    with app.test_request_context("/"):
        before = render_template("partials/shared/title.html", title="Home", unread=3)
        assert before == "<title>(3) Home · Microblog</title>"
        label = app.jinja_env.globals["badge_label"]
        app.jinja_env.globals["badge_label"] = lambda count: "many"
        try:
            assert (
                render_template("partials/shared/title.html", title="Home", unread=3)
                == "<title>(many) Home · Microblog</title>"
            )
        finally:
            app.jinja_env.globals["badge_label"] = label
        assert render_template("partials/shared/title.html", title="Home", unread=3) == before


def test_templates_with_globals_of_their_own_are_refused(app):
    names = set(app.jinja_env.globals)
    with pytest.raises(TypeError):
        app.jinja_env.get_template("partials/shared/title.html", globals={"badge_label": str})
    with pytest.raises(TypeError):
        app.jinja_env.select_template(["partials/shared/title.html"], globals={"x": 1})
    assert set(app.jinja_env.globals) == names
    # from_string keeps Jinja's overlay: its globals stay its own
    assert app.jinja_env.from_string("{{ x }}", globals={"x": "mine"}).render() == "mine"
    assert "x" not in app.jinja_env.globals
