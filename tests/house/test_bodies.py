"""Request bodies are sized before anything parses them (SPEC S22, microblog/bodies.py), with CSRF on as in
production: any spelling of Transfer-Encoding, announced lengths over the limit, broken lengths."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.posts.models import Post
from tests.conftest import make_user
from tests.html import actor


@pytest.fixture
def alice_csrf(csrf_app):
    """alice signed in through the forms with CSRF on; her page's token for raw requests."""
    make_user("alice")
    alice = actor(csrf_app.test_client(), "alice")
    alice.signs_in()
    alice.opens("/index")
    assert alice.csrf_token
    return alice


def posts() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Post.body)))


def send_coded(app, client, token, body: bytes, spelling: str):
    """A raw POST /index whose body has a Transfer-Encoding and no Content-Length, as a server hands it on."""
    served = app.wsgi_app

    def as_a_server_passes_it(environ, start_response):
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        return served(environ, start_response)

    app.wsgi_app = as_a_server_passes_it
    try:
        return client.post(  # raw: a coded body only a client library sends
            "/index",
            input_stream=io.BytesIO(body),
            headers={
                "Transfer-Encoding": spelling,
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": token,
            },
        )
    finally:
        app.wsgi_app = served


@pytest.mark.parametrize("spelling", ["chunked", "Chunked", "CHUNKED", " chunked ", "gzip, chunked", "identity"])
@pytest.mark.parametrize("size", [80_000, 125_000, 1_000_000])
def test_coded_bodies_over_the_limit_are_413_and_store_nothing(csrf_app, alice_csrf, spelling, size):
    body = ("post=" + "x" * size).encode()
    response = send_coded(csrf_app, alice_csrf.client, alice_csrf.csrf_token, body, spelling)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert posts() == []


def test_a_small_coded_body_is_read_whole_and_checked_for_csrf(csrf_app, alice_csrf):
    response = send_coded(csrf_app, alice_csrf.client, alice_csrf.csrf_token, b"post=small+and+chunked", "Chunked")
    assert response.status_code == 303
    assert posts() == ["small and chunked"]
    response = send_coded(csrf_app, alice_csrf.client, "forged", b"post=forged", "chunked")
    assert response.status_code == 400 and posts() == ["small and chunked"]


def test_an_announced_length_over_the_limit_is_413_before_csrf(csrf_app, alice_csrf):
    big = "x" * (csrf_app.config["MAX_CONTENT_LENGTH"] + 1)
    for headers in ({}, {"X-CSRFToken": alice_csrf.csrf_token}, {"HX-Request": "true"}):
        response = alice_csrf.client.post(
            "/index", data={"post": big}, headers=headers
        )  # raw: a body over the limit, whatever the form says
        assert response.status_code == 413, headers
    anonymous = csrf_app.test_client().post("/auth/login", data={"username": big})  # no token: still 413
    assert anonymous.status_code == 413
    assert posts() == []


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "99999999999999999999999"])
def test_a_broken_content_length_is_a_clear_4xx(csrf_app, alice_csrf, length):
    response = alice_csrf.client.post(  # raw: a broken Content-Length only a client library sends
        "/index",
        input_stream=io.BytesIO(b"post=hi"),
        environ_overrides={"CONTENT_LENGTH": length},
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": alice_csrf.csrf_token},
    )
    assert response.status_code in (400, 413)
    assert posts() == []


def test_a_body_shorter_than_announced_is_400(csrf_app, alice_csrf):
    response = alice_csrf.client.post(  # raw: a broken Content-Length only a client library sends
        "/index",
        input_stream=io.BytesIO(b"post=hi"),
        environ_overrides={"CONTENT_LENGTH": "500"},
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": alice_csrf.csrf_token},
    )
    assert response.status_code == 400 and posts() == []
