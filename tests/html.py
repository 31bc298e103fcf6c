"""Helpers a tester reuses: parse a response as a page or a fragment, select by id, submit a form."""

from __future__ import annotations

from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag


def page(response) -> BeautifulSoup:
    """Parse a full HTML page (asserts it is one)."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.find("html") is not None, "expected a full page, got a fragment"
    return soup


def fragment(response, selector: str | None = None) -> BeautifulSoup | Tag:
    """Parse an htmx fragment (asserts there is no <html>); with `selector`, the one element it selects."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
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
