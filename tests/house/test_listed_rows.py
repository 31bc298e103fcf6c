"""Lists hand their partials light rows (posts.models.ListedPost, messages.window.ListedMessage, messages.inbox's
rows), not ORM entities: a page of them costs 0.2-0.3 ms less (issue 27). Jinja renders an attribute a row does
not have as nothing, without an error, so a designer who makes a partial read a new attribute would get an
empty spot on the list pages only. These tests read each partial's own source and fail instead, naming the
attribute and the row class to add it to."""

from __future__ import annotations

import pytest
from jinja2 import nodes

from microblog.messages.inbox import ListedLast, ListedMember, ListedPerson
from microblog.messages.window import ListedMessage
from microblog.posts.models import Author, ListedPost


def attributes_read(env, source: str, name: str) -> set[tuple[str, ...]]:
    """Every chain of attributes a template's source reads of the variable `name`: {("author", "username"), ("id",)}."""
    chains = set()
    for node in env.parse(source).find_all(nodes.Getattr):
        chain, inner = [node.attr], node.node
        while isinstance(inner, nodes.Getattr):
            chain.insert(0, inner.attr)
            inner = inner.node
        if isinstance(inner, nodes.Name) and inner.name == name:
            chains.add(tuple(chain))
    # Keep only the longest reads: ("author",) is part of ("author", "username").
    return {c for c in chains if not any(len(o) > len(c) and o[: len(c)] == c for o in chains)}


def readable(cls: type, chain: tuple[str, ...], nested: dict[str, type]) -> bool:
    """Whether an instance of `cls` has the chain of attributes (slots, properties, or a nested row class)."""
    head, *rest = chain
    if head not in getattr(cls, "__slots__", ()) and not isinstance(getattr(cls, head, None), property):
        return False
    if not rest:
        return True
    return head in nested and readable(nested[head], tuple(rest), {})


# partial, its variable, the row class the lists give it, the row classes of its attributes
ROWS = [
    ("partials/posts/post.html", "post", ListedPost, {"author": Author}),
    ("partials/messages/message.html", "message", ListedMessage, {}),
    ("partials/messages/conversation.html", "member", ListedMember, {}),
    ("partials/messages/conversation.html", "other", ListedPerson, {}),
    ("partials/messages/conversation.html", "last", ListedLast, {}),
]


@pytest.mark.parametrize(("template", "name", "row", "nested"), ROWS, ids=[f"{t}:{n}" for t, n, *_ in ROWS])
def test_each_listed_row_has_every_attribute_its_partial_reads(app, template, name, row, nested):
    source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
    read = attributes_read(app.jinja_env, source, name)
    assert read, f"{template} reads nothing of {name}: the test no longer looks at the right variable"
    missing = sorted(".".join(chain) for chain in read if not readable(row, chain, nested))
    assert not missing, f"{template} reads {name}.{missing} which {row.__module__}.{row.__name__} does not have"


def test_the_check_sees_a_missing_attribute(app):
    """The check itself: a read the row lacks is found, as in a partial a designer has just edited."""
    read = attributes_read(app.jinja_env, "{{ post.author.display_name }} {{ post.id }} {{ other.id }}", "post")
    assert read == {("author", "display_name"), ("id",)}
    assert not readable(ListedPost, ("author", "display_name"), {"author": Author})
    assert readable(ListedPost, ("author", "username"), {"author": Author})
    assert readable(ListedPerson, ("display_name",), {})  # a property counts
