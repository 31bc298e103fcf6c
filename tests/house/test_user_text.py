"""What users type is shown as text everywhere: escaped, never disguised, in its own direction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Message
from microblog.posts.models import Post
from microblog.users.relations import follow
from microblog.users.models import User
from tests.conftest import HTMX, make_post, make_user, send
from tests.html import actor, by_id, fragment, page, text
from tests.auth.test_security import _count

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
DISGUISES = [
    "invoice\u202egnp.exe",
    "a\u202db",
    "x\u2066y\u2069",
    "x\u2067y",
    "zero\u200bwidth",
    "word\u2060joiner",
    "soft\u00adhyphen",
    "\ufeffbom",
    "\u061calm",
    # SPEC S22: blank-looking letters, tag characters outside a flag's tag sequence, Zalgo stacks
    "\u3164",
    "\u115f",
    "\u2800\u2800",
    "a\u034fb",
    "line\u2028break",
    "para\u2029graph",
    "\ufffc",
    "tag\U000e0041\U000e0042",
    "\U0001f3f4\U000e0067",
    "Z" + "\u0301" * 139,
    "e" + "\u0300" * 9,
]


def _assert_escaped(response):
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body and 'onerror="alert(2)"' not in body and "<img src=x" not in body
    return body


def test_user_text_renders_as_text_everywhere(app, client, signed_in):
    evil = make_user("evil", about_me=XSS[:140])
    # Usernames are restricted on registration, but stored names must still be escaped.
    odd = make_user("o<b>dd")
    alice = make_user("alice")
    follow(alice, evil)
    db.session.commit()
    make_post(evil, XSS[:140])
    send(evil, alice, XSS[:140])
    send(odd, alice, "from odd")
    signed_in("alice", client)
    for url in ["/index", "/explore", "/user/evil", "/messages", "/messages/evil"]:
        for headers in ({}, HTMX):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            body = _assert_escaped(response)
            assert "<b>dd" not in body
    body = client.get("/messages").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "o&lt;b&gt;dd" in body
    response = client.get("/notifications")
    assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
    # A message echoed back in a form with errors is escaped too.
    response = (
        actor(client).opens("/messages/evil").with_htmx().submits("#message-form", message=XSS * (1001 // len(XSS) + 1))
    )
    assert response.status_code == 422
    _assert_escaped(response)
    response = actor(client).opens("/index").with_htmx().submits("#post-form", post=XSS)
    assert response.status_code in (200, 422)
    _assert_escaped(response)


@pytest.mark.parametrize("body", DISGUISES)
def test_text_that_only_disguises_itself_is_refused(signed_in, alice, bob, body):
    as_alice = signed_in("alice")
    for url, form, field, error_id in [
        ("/index", "#post-form", "post", "post-error"),
        ("/messages/bob", "#message-form", "message", "message-error"),
    ]:
        response = as_alice.opens(url).submits(form, **{field: body})
        assert response.status_code == 422, url
        assert "control characters" in text(by_id(page(response), error_id))
    response = as_alice.opens("/settings/profile").submits("#profile-form", about_me=body)
    assert response.status_code == 422
    assert (_count(Post), _count(Message)) == (0, 0)
    assert db.session.get(User, alice.id).about_me is None


@pytest.mark.parametrize(
    "body",
    [
        "family \U0001f468\u200d\U0001f469\u200d\U0001f467",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "flag \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        "\u05e9\u05dc\u05d5\u05dd world",
        "Ti\u1ebfng Vi\u1ec7t",
        "e\u0301" * 3,
        "\u05e9\u05b8\u05c1\u0591 cantillation",
        "two\nlines",
    ],
)
def test_real_text_with_joiners_and_other_directions_is_kept(signed_in, body):
    as_alice = signed_in("alice")
    assert as_alice.opens("/index").submits("#post-form", post=body).status == 303
    assert db.session.scalar(sa.select(Post.body)) == body


def test_user_text_is_shown_in_its_own_direction(signed_in, alice, bob):
    as_alice = signed_in("alice")
    make_post(bob, "\u05e9\u05dc\u05d5\u05dd 123")
    send(bob, alice, "\u0645\u0631\u062d\u0628\u0627")
    db.session.get(User, bob.id).about_me = "\u05e9\u05dc\u05d5\u05dd"
    db.session.commit()
    for url in ["/explore", "/messages/bob", "/user/bob"]:
        soup = page(as_alice.opens(url))
        post = soup.find("article")
        assert post.find(class_="body-text")["dir"] == "auto", url
        assert post.find("bdi") is not None and text(post.find("bdi")) == "bob", url
    conversations = page(as_alice.opens("/messages"))
    assert conversations.find(class_="conversation-preview")["dir"] == "auto"
    assert text(conversations.find("li", id=lambda i: i and i.startswith("conversation-")).find("bdi")) == "bob"
    profile = page(as_alice.opens("/user/bob"))
    assert profile.find("h1").find("bdi") is not None
    assert profile.find("p", class_="body-text", dir="auto") is not None
    # The hover card too (SPEC S22): the name isolated, the about-me text in its own direction.
    card = fragment(as_alice.opens("/user/bob/popup", **{"HX-Request": "true"}), ".user-popup-card")
    assert text(card.find("bdi")) == "bob"
    assert text(card.find(class_="body-text", dir="auto")) == "\u05e9\u05dc\u05d5\u05dd"
