"""Sample data for the partials gallery, and the loader for the samples files kept beside the partials.

A designer adds `partials/<feature>/<noun>.html` together with `partials/<feature>/<noun>.samples.py`,
which defines `samples()`: a list of `(label, context)` pairs, each rendering the partial on its own.
`samples()` runs inside a request, so it may build forms (they need the CSRF token).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from ..resources import resource_dir
from ..database import utcnow
from ..pagination import Page

SAMPLES_SUFFIX = ".samples.py"


# -- objects the samples files build their contexts from (no database needed) ---------------------


def user(username: str = "alice", id: int = 1, about_me: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(id=id, username=username, about_me=about_me, display_name=username, is_deleted=False)


def post(
    id: int = 1,
    author: SimpleNamespace | None = None,
    body: str = "Hello, world!",
    minutes_ago: int = 5,
    language: str | None = None,
) -> SimpleNamespace:
    """A post (in `language` when given: one the reader does not read gets a Translate form)."""
    return SimpleNamespace(
        id=id,
        author=author or user(),
        body=body,
        language=language,
        timestamp=utcnow() - timedelta(minutes=minutes_ago),
    )


def message(
    id: int, sender: SimpleNamespace, recipient: SimpleNamespace, body: str = "Hello!", minutes_ago: int = 5
) -> SimpleNamespace:
    """A private message in a conversation."""
    return SimpleNamespace(
        id=id,
        sender_id=sender.id,
        recipient_id=recipient.id,
        author=sender,
        recipient=recipient,
        body=body,
        timestamp=utcnow() - timedelta(minutes=minutes_ago),
        edited_at=None,
        unsent=False,
    )


def member(conversation_id: int, me: SimpleNamespace, other: SimpleNamespace) -> SimpleNamespace:
    """Your state in a conversation with `other`."""
    return SimpleNamespace(
        conversation_id=conversation_id,
        user_id=me.id,
        other_id=other.id,
        last_read_message_id=0,
        cleared_before_id=0,
        last_message_id=0,
        muted=False,
    )


def page(items: list, number: int = 1, has_next: bool = False) -> Page:
    return Page(items=list(items), page=number, has_next=has_next)


def flashes(*messages: tuple[str, str]) -> Callable:
    """A stand-in for `get_flashed_messages` that shows these (category, message) pairs."""

    def get_flashed_messages(with_categories: bool = False, category_filter=()):
        return list(messages) if with_categories else [message for _, message in messages]

    return get_flashed_messages


def with_errors(form, **errors: str):
    """`form` as it comes back from a failed POST: each named field carries its error."""
    for name, message in errors.items():
        form[name].errors = [message]
    return form


# -- finding the partials and their samples -----------------------------------------------------


@dataclass
class Entry:
    name: str  # "partials/messages/form.html", as templates include it
    template: Path
    samples_file: Path | None
    samples: list[tuple[str, dict]] = field(default_factory=list)
    error: str | None = None  # why the samples could not be loaded

    @property
    def path(self) -> str:
        """`messages/form` for `partials/messages/form.html` (the gallery URL of this partial)."""
        return self.name.removeprefix("partials/").removesuffix(".html")

    @property
    def slug(self) -> str:
        return self.path.replace("/", "-")


def partials_root() -> Path:
    return resource_dir("partials")


def partial_names() -> list[str]:
    """Every partial, as `partials/<feature>/<noun>.html`, sorted."""
    root = partials_root()
    return sorted("partials/" + p.relative_to(root).as_posix() for p in root.rglob("*.html"))


def samples_path(name: str) -> Path:
    return partials_root() / (name.removeprefix("partials/").removesuffix(".html") + SAMPLES_SUFFIX)


def _load_samples(path: Path) -> list[tuple[str, dict]]:
    module_name = "microblog_gallery_samples_" + "_".join(path.relative_to(partials_root()).with_suffix("").parts)
    spec = importlib.util.spec_from_file_location(module_name.replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = list(module.samples())
    if not result:
        raise ValueError(f"{path.name}: samples() returned no sample")
    return result


def entries() -> list[Entry]:
    """Every partial with its samples loaded (or the reason they could not be)."""
    found = []
    for name in partial_names():
        path = samples_path(name)
        entry = Entry(
            name=name,
            template=partials_root() / name.removeprefix("partials/"),
            samples_file=path if path.is_file() else None,
        )
        if entry.samples_file is None:
            entry.error = f"no samples file: add {path.relative_to(partials_root().parent).as_posix()}"
        else:
            try:
                entry.samples = _load_samples(path)
            except Exception as exc:  # shown on the page and failed by tests/house/test_gallery.py
                entry.error = f"{type(exc).__name__}: {exc}"
        found.append(entry)
    return found
