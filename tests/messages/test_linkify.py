"""Links in posts and messages (SPEC S17): http(s) URLs become links with rel="nofollow ugc noopener
noreferrer", @username links to the profile, and nothing else a user types becomes markup."""

import pytest
from bs4 import BeautifulSoup

from microblog.formatting import linkify
from tests.conftest import make_post, make_user, send
from tests.html import actor, by_id, text

REL = "nofollow ugc noopener noreferrer"
# Bodies that are bare URLs make Beautiful Soup warn that it was given a URL: here that is the point.
pytestmark = pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning")


def parts(body: str) -> list:
    """What `body` renders to: strings for text, (href, rel, text) for links."""
    soup = BeautifulSoup(str(linkify(body)), "html.parser")
    out = []
    for node in soup.children:
        if isinstance(node, str):
            out.append(str(node))
        else:
            assert node.name == "a", str(node)
            out.append((node["href"], " ".join(node.get("rel", [])) or None, node.get_text()))
    return out


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "see https://example.com/a?b=1&c=2#top now",
            ["see ", ("https://example.com/a?b=1&c=2#top", REL, "https://example.com/a?b=1&c=2#top"), " now"],
        ),
        ("http://example.org", [("http://example.org", REL, "http://example.org")]),
        ("HTTPS://Example.com/X", [("HTTPS://Example.com/X", REL, "HTTPS://Example.com/X")]),
        # trailing punctuation and an unbalanced parenthesis stay text; a balanced one is the URL's
        (
            "(see https://example.com/wiki/Foo_(bar)).",
            ["(see ", ("https://example.com/wiki/Foo_(bar)", REL, "https://example.com/wiki/Foo_(bar)"), ")."],
        ),
        ("https://example.com, and", [("https://example.com", REL, "https://example.com"), ", and"]),
    ],
)
def test_http_and_https_urls_become_links(ctx, body, expected):
    assert parts(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox",
        "ftp://example.com/file",
        "//example.com/protocol-relative",
        "www.example.com",
        "https://пример.рф/",  # an IDN host
        "https://аpple.com/",  # Cyrillic а: a lookalike of apple.com
        "https://xn--pple-43d.com/",  # the same lookalike, spelt in punycode
        "https://example.com@evil.example/",  # user@host: shows one host, goes to another
        "https://localhost/",  # no dotted public name
        "https://example.com:99999/",  # no such port
        "https:///nohost",
    ],
)
def test_nothing_else_becomes_a_link(ctx, body):
    rendered = BeautifulSoup(str(linkify(body)), "html.parser")
    assert rendered.find("a") is None, body
    assert rendered.get_text() == body


@pytest.mark.parametrize(
    "body, href",
    [
        ('https://example.com/"onmouseover="alert(1)', "https://example.com/"),
        ("https://example.com/<script>alert(1)</script>", "https://example.com/"),
        ("https://example.com/'x'", "https://example.com/"),
        ("https://example.com/`x`", "https://example.com/"),
    ],
)
def test_quotes_and_angle_brackets_end_a_url_and_stay_text(ctx, body, href):
    soup = BeautifulSoup(str(linkify(body)), "html.parser")
    assert [a["href"] for a in soup.find_all("a")] == [href]
    assert soup.find("script") is None and soup.find(attrs={"onmouseover": True}) is None
    assert soup.get_text() == body  # every character is still shown, as text


def test_markup_a_user_types_is_shown_as_text(ctx):
    body = '<b>bold</b> <img src=x onerror=alert(1)> &amp; <a href="https://example.com">x</a>'
    soup = BeautifulSoup(str(linkify(body)), "html.parser")
    assert soup.find(["b", "img"]) is None
    assert soup.get_text() == body
    # the only link is the URL itself, as text, not the user's tag
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.com"]


def test_mentions_link_to_existing_users_only(app):
    make_user("bob")  # before the request: a GET writes nothing (the write rule, microblog/database.py)
    with app.test_request_context("/"):
        assert parts("hi @bob and @nobody") == ["hi ", ("/user/bob", None, "@bob"), " and @nobody"]


def test_in_a_message_links_mentions_and_line_breaks(client, alice, bob, signed_in):
    message = send(bob, alice, "Menu: https://example.com/menu\nask @alice\n\n<i>not markup</i>")
    signed_in("alice", client)
    body = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}").find(class_="body-text")
    link = body.find("a", href="https://example.com/menu")
    assert link is not None and link["rel"] == REL.split()
    assert body.find("a", class_="mention")["href"] == "/user/alice"
    assert body.find("i") is None and "<i>not markup</i>" in body.get_text()
    assert "\n" in body.get_text()  # kept; the CSS (white-space: pre-line) shows it


def test_in_a_post_links_and_mentions(client, alice, bob, signed_in):
    make_post(bob, "read https://example.com/post and javascript:alert(1) @alice")
    signed_in("alice", client)
    body = by_id(actor(client, "alice").opens("/user/bob").soup, "main").find(class_="body-text")
    assert [a["href"] for a in body.find_all("a")] == ["https://example.com/post", "/user/alice"]
    assert body.find("a")["rel"] == REL.split()
    assert "javascript:alert(1)" in text(body)


def test_a_message_of_1000_characters_is_accepted_and_1001_is_422(client, alice, bob, signed_in):
    signed_in("alice", client)
    thread = actor(client, "alice").opens("/messages/bob")
    assert thread.submits("#message-form", message="é" * 1000).status == 303
    refused = thread.with_htmx().submits("#message-form", message="é" * 1001)
    assert refused.status == 422 and "at most 1000" in refused.text()
