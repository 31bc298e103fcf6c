"""Helpers a tester reuses: parse a response as a page or a fragment, select by id, submit a form, and
the actor (`actor(client, "alice")`) that drives the app through the HTML's own links and forms."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

from bs4 import BeautifulSoup, Tag


def page(response) -> BeautifulSoup:
    """Parse a full HTML page (asserts it is one)."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find("html") is not None, "expected a full page, got a fragment"
    return soup


def fragment(response, selector: str | None = None) -> BeautifulSoup | Tag:
    """Parse an htmx fragment (asserts there is no <html>); with `selector`, the one element it selects."""
    return _fragment(BeautifulSoup(response.get_data(as_text=True), "html.parser"), selector)


def _fragment(soup: BeautifulSoup, selector: str | None) -> BeautifulSoup | Tag:
    assert soup.find("html") is None, "expected a fragment, got a full page"
    if selector is None:
        return soup
    found = soup.select(selector)
    assert len(found) == 1, f"expected one {selector!r} in the fragment, found {len(found)}"
    return found[0]


def by_id(soup: BeautifulSoup | Tag, element_id: str) -> Tag:
    element = soup.find(id=element_id)
    assert element is not None, f"no element with id {element_id!r}"
    return element


def text(element: Tag) -> str:
    """The element's visible text with white space folded."""
    return " ".join(element.get_text(" ").split())


def form_fields(form: Tag) -> dict[str, str]:
    """The values a browser would send for this form as it stands (inputs, textareas, checked boxes)."""
    data: dict[str, str] = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        kind = element.get("type", "text")
        if element.name == "textarea":
            data[name] = element.get_text()
        elif kind in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data[name] = element.get("value", "on")
        elif kind not in ("submit", "button", "image", "reset", "file"):
            data[name] = element.get("value", "")
    return data


def submit(client, form: Tag, headers: dict | None = None, **fields):
    """Submit a parsed <form> as a browser would: its method, its action, its fields (hidden ones
    too, like the CSRF token), with `fields` typed in."""
    method = (form.get("method") or "get").lower()
    action = form.get("action") or ""
    data = form_fields(form)
    data.update({name: value for name, value in fields.items() if value is not None})
    url = urlsplit(action)
    path = url.path + (f"?{url.query}" if url.query else "")
    if method == "post":
        return client.post(path, data=data, headers=headers or {})
    return client.get(path, query_string=data, headers=headers or {})


# --- The actor: a user at a browser, driving the app through the HTML's own links and forms -------------


def _find_one(soup, selector: str) -> Tag:
    found = soup.select(selector)
    assert len(found) == 1, f"expected one {selector!r} on the page, found {len(found)}"
    return found[0]


def _hx_target_id(element: Tag) -> str | None:
    """The id htmx sends as HX-Target: the element that `hx-target` names (itself without one)."""
    target = element.get("hx-target") or "this"
    if target == "this":
        return element.get("id")
    if target.startswith("#"):
        return target[1:]
    if target.startswith("closest "):
        selector = target[len("closest ") :]
        for parent in [element, *element.parents]:
            if isinstance(parent, Tag) and parent.name != "[document]" and parent.css.match(selector):
                return parent.get("id")
    return None


class Seen:
    """What the actor has in front of them after a request: the response (status, headers, html) and the
    links, buttons and forms in it. `with_htmx()` makes the next click or submit go the way htmx would."""

    def __init__(self, actor: "Actor", response, url: str, htmx: bool = False):
        self.actor, self.response, self.url, self.htmx = actor, response, url, htmx
        self._soup = None

    def __getattr__(self, name):  # anything else a test asks (status_code, get_data, ...) is the response's
        return getattr(self.response, name)

    # what a test asserts on
    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def headers(self):
        return self.response.headers

    @property
    def location(self) -> str | None:
        return self.response.headers.get("Location")

    @property
    def html(self) -> str:
        return self.response.get_data(as_text=True)

    @property
    def soup(self) -> BeautifulSoup:
        if self._soup is None:
            self._soup = BeautifulSoup(self.html, "html.parser")
        return self._soup

    def page(self) -> BeautifulSoup:
        """The response parsed as a full page (asserts it is one): the same soup `by_id()` and the clicks use."""
        assert self.soup.find("html") is not None, "expected a full page, got a fragment"
        return self.soup

    def fragment(self, selector: str | None = None):
        return _fragment(self.soup, selector)

    def by_id(self, element_id: str) -> Tag:
        return by_id(self.soup, element_id)

    def text(self, element_id: str | None = None) -> str:
        return text(self.by_id(element_id) if element_id else self.soup)

    def with_htmx(self) -> "Seen":
        """The same view, but the next link or form goes through htmx (its hx-get/hx-post and headers)."""
        seen = Seen(self.actor, self.response, self.url, htmx=True)
        seen._soup = self._soup
        return seen

    def follows_redirect(self) -> "Seen":
        assert self.status in (301, 302, 303, 307, 308), f"expected a redirect, got {self.status}"
        return self.actor.opens(self.location)

    # what a user does
    def follows_link(self, label: str) -> "Seen":
        """Click the link whose visible text is `label` (or the one `label` selects: "#id", "[attr]", ".class")."""
        if label[:1] in "#[.":
            link = _find_one(self.soup, label)
        else:
            links = [a for a in self.soup.find_all("a") if text(a) == label]
            assert len(links) == 1, f"expected one link {label!r}, found {len(links)}"
            link = links[0]
        if self.htmx and link.get("hx-get"):
            return self.actor._request("get", link["hx-get"], htmx_from=(self, link))
        return self.actor.opens(link["href"])

    def submits(self, selector: str, **fields) -> "Seen":
        """Fill in the form `selector` selects (its own hidden fields and CSRF token kept) and send it; a field
        given as False is a checkbox left unchecked."""
        return self._send(_find_one(self.soup, selector), fields)

    def presses(self, label: str, **fields) -> "Seen":
        """Press the submit button whose text is `label`: sends the form it sits in."""
        buttons = [b for b in self.soup.find_all("button") if text(b) == label]
        buttons += self.soup.find_all("input", attrs={"type": "submit", "value": label})
        assert len(buttons) == 1, f"expected one button {label!r}, found {len(buttons)}"
        form = buttons[0].find_parent("form")
        assert form is not None, f"the button {label!r} is in no form"
        return self._send(form, fields)

    def _send(self, form: Tag, fields: dict) -> "Seen":
        data = form_fields(form)
        if self.htmx and form.get("hx-vals"):  # htmx adds the form's hx-vals (JSON) to what it sends
            data.update({name: str(value) for name, value in json.loads(form["hx-vals"]).items()})
        data.update({name: value for name, value in fields.items() if value not in (None, False)})
        for name in [name for name, value in fields.items() if value is False]:  # a box left unchecked
            data.pop(name, None)
        if not self.htmx:  # the browser's own submit: the form's method and action
            return self.actor._request((form.get("method") or "get").lower(), form.get("action") or self.url, data)
        url = form.get("hx-post") or form.get("hx-get")
        assert url, "the form has no hx-post or hx-get: htmx would not send it"
        return self.actor._request("post" if form.get("hx-post") else "get", url, data, htmx_from=(self, form))


# A page's <body ...> start tag (its attribute values may be quoted with either quote and hold a ">").
_BODY_TAG = re.compile(r"""<body\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)


class Actor:
    """A user at a browser with the test client: `alice = actor(client, "alice")`, then
    `alice.signs_in()`, `alice.opens("/user/bob").presses("Follow")`,
    `alice.opens("/messages/bob").with_htmx().submits("#message-form", message="hi")`.
    Each step answers a `Seen` to assert on (status, headers, page(), fragment(), by_id())."""

    def __init__(self, client, username: str | None = None, password: str | None = None):
        self.client, self.username = client, username
        self.password = password if password is not None else "correct horse battery"
        self.csrf_token: str | None = None  # the <body hx-headers> token of the last full page, as htmx sends it
        self.headers: dict[str, str] = {}  # sent with every request (e.g. Accept-Language)
        self.environ: dict[str, str] = {}  # the WSGI environ's extras (e.g. REMOTE_ADDR)

    def speaks(self, language: str) -> "Actor":
        self.headers["Accept-Language"] = language
        return self

    def from_address(self, address: str) -> "Actor":
        """Every request comes from this client address (REMOTE_ADDR), as for the rate limits."""
        self.environ["REMOTE_ADDR"] = address
        return self

    def opens(self, url: str, query_string: dict | None = None, **headers) -> Seen:
        """Open a URL (typed in, or a link's): `query_string` as a form would add it, `headers` as sent."""
        return self._request("get", url, data=query_string, headers=headers)

    def signs_in(self, password: str | None = None, remember: bool = False, next: str | None = None) -> Seen:
        """Sign in through the sign-in form."""
        login = self.opens("/auth/login" + (f"?next={quote(next, safe='')}" if next else ""))
        return login.submits(
            "#login-form",
            username=self.username,
            password=self.password if password is None else password,
            remember_me="y" if remember else None,
        )

    def signs_out(self) -> Seen:
        """Press "Sign out" in the navbar (a POST form)."""
        return self.opens("/index").submits('form[action="/auth/logout"]')

    def _request(self, method: str, url: str, data=None, headers=None, htmx_from=None) -> Seen:
        sent = {**self.headers, **(headers or {})}
        if htmx_from is not None:
            seen, element = htmx_from
            sent.update({"HX-Request": "true", "HX-Current-URL": "http://localhost" + seen.url})
            if element.get("id"):
                sent["HX-Trigger"] = element["id"]
            target = _hx_target_id(element)
            if target:
                sent["HX-Target"] = target
            if self.csrf_token and method == "post":
                sent["X-CSRFToken"] = self.csrf_token
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if method == "post":
            response = self.client.post(path, data=data or {}, headers=sent, environ_base=self.environ)
        else:
            response = self.client.get(path, query_string=data, headers=sent, environ_base=self.environ)
        seen = Seen(self, response, path)
        self._remember_csrf(seen)
        return seen

    def _remember_csrf(self, seen: Seen) -> None:
        if "text/html" not in (seen.response.content_type or "") or seen.headers.get("Content-Encoding"):
            return  # not a page, or compressed (a test that asked for gzip or br reads it itself)
        found = _BODY_TAG.search(seen.html)  # the <body> tag alone parsed: the whole page only if a test needs it
        if found is None:
            return
        body = BeautifulSoup(found.group(0), "html.parser").find("body")
        if body is not None and body.get("hx-headers"):
            self.csrf_token = json.loads(body["hx-headers"]).get("X-CSRFToken", self.csrf_token)


def actor(client, username: str | None = None, password: str | None = None) -> Actor:
    return Actor(client, username, password)
