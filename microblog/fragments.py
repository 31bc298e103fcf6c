"""List items rendered once per content ("Russian-doll" fragment caching, README, Production: "Fragment cache").

A partial wraps its markup in a call block whose arguments are everything that markup reads:

    {% call(time) cached(post.id, post.body, mentions(post.body), ..., time=timetag(post.timestamp)) %}
      ... {{ time }} ...
    {% endcall %}

The positional arguments are the key; the body is rendered only when the key is new. The key is made of
content (ids, texts, edit stamps, the users the @mentions link to, what the reader may do), never of a clock
or an event: a change makes a new key and the old entry falls out of the bounded store, so nothing is ever
invalidated, on any worker or host. The keyword arguments are slots: values of this request that are not kept
(the relative time, "3 minutes ago"; the CSRF token of a form); the kept markup has a marker where each goes
and the slots are spliced in on every render. The call site, the locale and the mount point (SCRIPT_NAME) are added to every key.
`keep=False` renders the body without keeping it (one-off markup would only push kept entries out).

FRAGMENT_CACHE_SIZE bounds the entries per process and FRAGMENT_CACHE_CHARS the characters they hold (least
recently used out first; a size of 0 turns the cache off).
FRAGMENT_CACHE_CHECK (on in the tests) renders the body on every hit too and raises FragmentMismatch when it
differs from the kept markup: a key that misses an input fails the suite instead of showing stale markup.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict

from flask import Flask
from flask.globals import _cv_request
from jinja2 import pass_context
from markupsafe import Markup, escape

from .formatting import mention_targets, timetag

DEFAULT_SIZE = 20_000  # entries: a post or a message ~1.7 KB of markup and key
DEFAULT_CHARS = 16_000_000  # characters of markup and key text: ~16-20 MB a process for ASCII text when full

# Where a slot goes in kept markup: random per process, so no text a user types can forge one.
_MARK = f"\x00slot-{secrets.token_hex(8)}-"
_SLOT = re.compile(re.escape(_MARK) + r"(\w+(?:\.\d+)?)\x00")  # a slot, or an item of a list slot


class FragmentMismatch(AssertionError):
    """FRAGMENT_CACHE_CHECK: kept markup differs from the body rendered now (an input is missing from the key)."""


class FragmentStore:
    """Kept markup by key: split on its slots (odd items are slot names), least recently used out first, within
    `size` entries and `chars` characters of markup and key text (a thread's window holds its 20 messages' texts
    twice: counting entries alone let a worker's store grow to ~100 MB of long messages). One lock around the
    dictionary: keys hold Jinja values whose comparison is Python code, so a thread may switch in the middle."""

    def __init__(self, size: int, check: bool = False, chars: int = DEFAULT_CHARS):
        self.size, self.chars, self.check = size, chars, check
        self.hits = self.misses = 0
        self.held = 0  # characters kept
        self.entries: OrderedDict[tuple, tuple[list[str], int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> list[str] | None:
        with self._lock:
            found = self.entries.get(key)
            if found is None:
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: tuple, parts: list[str]) -> None:
        weight = _weight(key) + sum(map(len, parts))
        if weight > self.chars:  # alone over the budget: not kept (it would push out everything else)
            return
        with self._lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.held -= old[1]
            self.entries[key] = (parts, weight)
            self.held += weight
            while self.entries and (len(self.entries) > self.size or self.held > self.chars):
                self.held -= self.entries.popitem(last=False)[1][1]


def _weight(value) -> int:
    """The characters of text a key holds (its strings, in nested tuples), 8 for anything else."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, tuple):
        return sum(_weight(item) for item in value)
    return 8


def _frozen(value):
    """Lists and dicts (a message's reactions) as tuples, so that a key can hold them."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value


def _slot(slots: dict, name: str):
    """A slot's value; "times.3" is item 3 of the list slot `times` (a window of messages: one time each)."""
    if "." in name:
        name, index = name.split(".")
        return slots[name][int(index)]
    return slots[name]


def _markers(slots: dict) -> dict:
    """What the body is rendered with on a miss: a marker for each slot, a list of them for a list slot."""
    marked = {}
    for name, value in slots.items():
        if isinstance(value, list | tuple):
            marked[name] = [Markup(f"{_MARK}{name}.{i}\x00") for i in range(len(value))]
        else:
            marked[name] = Markup(f"{_MARK}{name}\x00")
    return marked


def _fill(parts: list[str], slots: dict) -> Markup:
    if len(parts) == 1:
        return Markup(parts[0])
    return Markup("".join(str(escape(_slot(slots, part))) if i % 2 else part for i, part in enumerate(parts)))


def cached_in(store: FragmentStore):
    """The template global `cached` of an app, bound to its store (no context-local lookup per item)."""

    @pass_context
    def cached(context, *key, caller, keep=True, **slots) -> Markup:
        """The call block's body for this key: kept markup with this request's slots, else rendered and kept
        (`keep=False`: rendered, not kept, for markup no other request will show: a search's highlighting)."""
        if not keep:
            return caller(**slots)
        # The call site (its compiled code: a template reloaded is a new site), the catalogue its `_` uses, and
        # the mount point its links start with (SCRIPT_NAME: a proxy's X-Forwarded-Prefix can vary it per request).
        ctx = _cv_request.get(None)
        mount = ctx.request.environ.get("SCRIPT_NAME", "") if ctx is not None else ""
        key = (caller._func.__code__, context.get("locale"), mount, *key)
        try:
            parts = store.get(key)
        except TypeError:  # an unhashable part (a list): as a tuple, else not kept
            key = _frozen(key)
            try:
                parts = store.get(key)
            except TypeError:
                return caller(**slots)
        if parts is None:
            store.misses += 1
            parts = _SLOT.split(str(caller(**_markers(slots))))
            store.put(key, parts)
        else:
            store.hits += 1
        markup = _fill(parts, slots)
        if store.check:
            fresh = caller(**slots)
            if fresh != markup:
                raise FragmentMismatch(f"kept markup differs for key {key[1:]!r}:\nkept:  {markup}\nfresh: {fresh}")
        return markup

    return cached


@pass_context
def uncached(context, *key, caller, keep=True, **slots) -> Markup:
    """FRAGMENT_CACHE_SIZE = 0: the body, rendered every time."""
    return caller(**slots)


def each(items, *names: str) -> tuple:
    """The named attributes of every item, for a key of a list kept whole: each(messages, "id", "body")."""
    return tuple(tuple(getattr(item, name) for name in names) for item in items)


def mentions_in(items) -> tuple:
    """`mentions` of every item's body (a list kept whole)."""
    return tuple(mentions(item.body) for item in items)


def timetags(items) -> list:
    """Every item's time tag (its `timestamp`): a list slot, one time per item of a list kept whole."""
    return [timetag(item.timestamp) for item in items]


def mentions(body: str) -> tuple:
    """What linkify makes of each @name in `body`: the user it links to, or None (no such user, or deleted).
    Looked up with the request's other mentions (preload_mentions: a list costs no extra statement)."""
    if not body or "@" not in body:
        return ()
    return mention_targets(body)


def pristine(form) -> tuple | None:
    """A form's key as shown untouched (its class, which fixes fields, labels and validators; CSRF on or off;
    every field's value), or None once it was submitted or has errors: such markup echoes one request's
    input and is not kept. A pristine form's markup cost a page 5-7% (WTForms' widgets, issue 27)."""
    if form.errors or form.is_submitted():
        return None
    csrf = form.meta.csrf_field_name if form.meta.csrf else None  # its value is the token: a slot, not the key
    return (type(form), csrf is not None, *((name, value) for name, value in form.data.items() if name != csrf))


def template_helpers(app: Flask) -> dict:
    """The app's store (FRAGMENT_CACHE_SIZE, FRAGMENT_CACHE_CHECK) and its template globals: `cached`, and what
    keys and slots are made of (`mentions`, `pristine`, `each`, `mentions_in`, `timetags`)."""
    size = app.config.setdefault("FRAGMENT_CACHE_SIZE", DEFAULT_SIZE)
    chars = app.config.setdefault("FRAGMENT_CACHE_CHARS", DEFAULT_CHARS)
    check = app.config.setdefault("FRAGMENT_CACHE_CHECK", False)
    store = app.extensions["fragments"] = FragmentStore(size, check, chars) if size > 0 else None
    return {
        "cached": cached_in(store) if store else uncached,
        "mentions": mentions,
        "pristine": pristine,
        "each": each,
        "mentions_in": mentions_in,
        "timetags": timetags,
    }
