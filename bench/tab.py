"""The simulated tabs of `make bench-tabs` (bench/tabs.py): what a page tells its tab to do, and one client
process that runs many tabs on asyncio streams (no HTTP library: a tab needs a few request shapes only).

A tab does what the page's own attributes say: it holds the stream of `#live`'s `sse-connect`, polls the
navbar badge's `hx-get` with its `hx-vals` at the period of its `hx-trigger` (and on `sse:unread` when the
trigger names it), and takes the new `hx-vals` from each 200 answer. Every ~`page_seconds` it loads a page,
which (no hx-boost) replaces the stream with the new page's. Sending tabs post the thread page's real form.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

PAGES = ("/index", "/explore")  # what a tab loads every ~minute (pages that write nothing)


class _Tag(HTMLParser):
    """The attributes of the first start tag fed to it."""

    def __init__(self):
        super().__init__()
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if not self.attrs:
            self.attrs = {k: v or "" for k, v in attrs}


def tag_attributes(page: str, element_id: str = "", attribute: str = "") -> dict[str, str] | None:
    """The attributes of the start tag with id `element_id` (or the first one with `attribute`); None if absent.
    Only that tag is parsed (a whole page costs a millisecond; the client must stay cheap)."""
    needle = f'id="{element_id}"' if element_id else f"{attribute}="
    at = page.find(needle)
    if at < 0:
        return None
    start = page.rfind("<", 0, at)
    end = page.find(">", at)
    parser = _Tag()
    parser.feed(page[start : end + 1])
    return parser.attrs


@dataclass
class Badge:
    """The navbar badge's polling instructions, as htmx reads them."""

    url: str  # hx-get
    vals: dict[str, str]  # hx-vals: sent as the query string
    period: float  # seconds, from hx-trigger "every Ns"
    on_event: bool  # hx-trigger also names sse:unread

    def poll_path(self) -> str:
        return f"{self.url}?{urlencode(self.vals)}"


def parse_badge(page: str) -> Badge | None:
    """The badge of a page or of a poll's 200 answer (`#message-count`); None when it does not poll."""
    attrs = tag_attributes(page, "message-count")
    if not attrs or "hx-get" not in attrs:
        return None
    trigger = attrs.get("hx-trigger", "")
    every = re.search(r"every\s+(\d+(?:\.\d+)?)(ms|s)", trigger)
    period = float(every.group(1)) / (1000 if every.group(2) == "ms" else 1) if every else 0.0
    vals = json.loads(html.unescape(attrs.get("hx-vals", "{}")) or "{}")
    return Badge(attrs["hx-get"], {k: str(v) for k, v in vals.items()}, period, "sse:unread" in trigger)


def parse_stream(page: str) -> str | None:
    """The `sse-connect` URL of the page's `#live` region; None when push is off."""
    attrs = tag_attributes(page, attribute="sse-connect")
    return attrs.get("sse-connect") if attrs else None


def parse_form(page: str, form_id: str = "message-form") -> tuple[str, str] | None:
    """(action, csrf_token) of the form `form_id`: what a browser posts."""
    attrs = tag_attributes(page, form_id)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page[page.find(f'id="{form_id}"') :])
    return (attrs["action"], token.group(1)) if attrs and token else None


@dataclass
class Stats:
    """What one client process measured during the window (times in ms)."""

    polls: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)
    sends: list[float] = field(default_factory=list)
    events: list[float] = field(default_factory=list)  # POST answer -> each of the recipient's tabs' `unread`
    events_missing: int = 0
    events_by_page: int = 0  # the recipient's tab loaded a page after the send: the page shows the news
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
