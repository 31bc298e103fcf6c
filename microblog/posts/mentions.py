"""A post's @mentions (SPEC S14): who a post notifies, and mentions rendered as links to profiles."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g, url_for
from markupsafe import Markup, escape

from ..extensions import db
from ..users.models import User
from ..users.names import MENTION_RE, USERNAME_MAX, username_key
from ..users.relations import Block

MENTION = "mention"  # the activity kind of a mention (post_id: the post's id)

# At most this many distinct people are notified by one post: a flood of mentions stays cheap.
MAX_MENTIONS = 10


def mentioned_names(body: str) -> list[str]:
    """The distinct names (case-insensitive, first spelling kept) mentioned in `body`, in order."""
    seen: dict[str, str] = {}
    for match in MENTION_RE.finditer(body or ""):
        name = match.group(1)
        if len(name) <= USERNAME_MAX:
            seen.setdefault(username_key(name), name)
    return list(seen.values())


def mention_recipients(author: User, body: str) -> list[int]:
    """Who a post by `author` notifies: the first MAX_MENTIONS distinct names that are users, minus the
    author and anyone who blocks the author. One query, however many names the body holds."""
    keys = [username_key(name) for name in mentioned_names(body)[:MAX_MENTIONS]]
    if not keys:
        return []
    blocked_by = sa.select(Block.blocker_id).where(Block.blocked_id == author.id)
    stmt = sa.select(User.id).where(
        User.username_key.in_(keys), User.id != author.id, User.id.not_in(blocked_by), User.deleted_at.is_(None)
    )  # a deleted account is mentioned no more
    return list(db.session.scalars(stmt))


def _known_users(names: list[str]) -> dict[str, str]:
    """username_key -> username for the names that are users; cached for the request."""
    cache = g.setdefault("mention_users", {})
    missing = [k for k in {username_key(n) for n in names} if k not in cache]
    if missing:
        found = dict(
            db.session.execute(
                sa.select(User.username_key, User.username).where(
                    User.username_key.in_(missing), User.deleted_at.is_(None)
                )
            ).all()
        )
        for key in missing:
            cache[key] = found.get(key)
    return cache


def preload_mentions(posts) -> str:
    """Look up every name mentioned in a page of posts at once (one query, none without mentions), so
    rendering them costs no more. Returns "" (called from a template)."""
    names = [name for post in posts for name in mentioned_names(post.body)[:50]]
    if names:
        _known_users(names)
    return ""


def render_mentions(body: str) -> Markup:
    """The body escaped, with each `@name` of an existing user as a link to their profile."""
    names = mentioned_names(body)
    if not names:
        return escape(body)
    known = _known_users(names[:50])

    def link(match: re.Match) -> str:
        username = known.get(username_key(match.group(1)))
        if username is None:
            return str(escape(match.group(0)))
        return str(
            Markup('<a href="{}" class="mention">@{}</a>').format(
                url_for("users.user", username=username), match.group(1)
            )
        )

    out, last = [], 0
    for match in MENTION_RE.finditer(body):
        out.append(str(escape(body[last : match.start()])))
        out.append(link(match))
        last = match.end()
    out.append(str(escape(body[last:])))
    return Markup("".join(out))
