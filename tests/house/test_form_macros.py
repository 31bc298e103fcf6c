"""templates/macros.html writes parts of forms that WTForms used to write (issue 27: a third of a form's cost):
each must stay exactly what WTForms writes for our forms, CSRF on and off."""

from __future__ import annotations

import pytest
from flask import render_template_string

from microblog.messages.forms import MessageForm
from microblog.posts.forms import PostForm
from microblog.settings.forms import DeleteAccountForm, DisableTwoFactorForm, EnableTwoFactorForm
from microblog.users.forms import PrivacyForm, ProfileForm
from tests.conftest import make_app, running

# Every form whose partial writes its token with csrf_field (partials/*/form.html, partials/settings/*).
FORMS = [PostForm, MessageForm, ProfileForm, PrivacyForm, DeleteAccountForm, EnableTwoFactorForm, DisableTwoFactorForm]


def make(form_class):
    return form_class("alice", formdata=None) if form_class is ProfileForm else form_class(formdata=None)


@pytest.fixture(params=[True, False], ids=["csrf-on", "csrf-off"])
def any_csrf_app(request, database_url):
    with running(make_app(database_url, WTF_CSRF_ENABLED=request.param)) as app:
        yield app


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
def test_csrf_field_is_hidden_tag(any_csrf_app, form_class):
    with any_csrf_app.test_request_context("/"):
        form = make(form_class)
        ours = render_template_string('{% from "macros.html" import csrf_field %}{{ csrf_field(form) }}', form=form)
        assert ours == form.hidden_tag()
        assert ('name="csrf_token"' in ours) is any_csrf_app.config["WTF_CSRF_ENABLED"]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("headers", [{}, {"Accept-Language": "es"}], ids=["en", "es"])
def test_field_labels_are_wtforms_labels(app, form_class, headers):
    with app.test_request_context("/", headers=headers):
        form = make(form_class)
        for f in form:
            if f.type in ("SubmitField", "CSRFTokenField", "RadioField"):
                continue  # buttons and radio groups are written by their partials, not by field()
            html = render_template_string('{% from "macros.html" import field %}{{ field(f) }}', f=f)
            css = "form-check-label" if f.type == "BooleanField" else "form-label"
            assert str(f.label(class_=css)) in html, f.name
