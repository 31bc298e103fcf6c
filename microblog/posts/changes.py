"""Writing a post, and changing it after: its author edits it (within EDIT_WINDOW) or deletes it.

Each is one write: the write lock first (BEGIN IMMEDIATE on SQLite, the post's row on PostgreSQL), then
the post is read and the author checked under it, then the change, then commit. The search index follows
by itself (SQLite's FTS5 triggers on UPDATE OF body and DELETE, PostgreSQL's generated tsvector column).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _

from ..database import utcnow
from ..extensions import db
from ..unread.activity import add_activity, remove_activity
from ..unread.locks import changing
from ..users.models import User
from .language import detect_language
from .mentions import MENTION, mention_recipients
from .models import Post


def create_post(author: User, body: str) -> Post:
    """Store a post and notify the people it mentions, in one transaction; commit."""
    recipients = mention_recipients(author, body)
    with changing(*recipients):  # the write lock before the post, with or without a mention
        post = Post(body=body, user_id=author.id)
        db.session.add(post)
        db.session.flush()
        for user_id in sorted(recipients):
            add_activity(user_id, author.id, MENTION, post.id)
    return post


def _own_post(post_id: int, user) -> Post:
    """The post, locked for this write; 404 when there is none, 403 when `user` did not write it."""
    post = db.session.scalar(sa.select(Post).where(Post.id == post_id).with_for_update(of=Post.__table__))
    if post is None:
        db.session.rollback()
        abort(404, description=_("There is no such post."))
    if not post.deletable_by(user):
        db.session.rollback()
        abort(403, description=_("You can only change your own posts."))
    return post


def edit_post(post_id: int, user, body: str) -> Post:
    """Replace the body of `user`'s post (403 once EDIT_WINDOW has passed), mark it edited, notify the
    people it now mentions for the first time; commit."""
    with changing() as write:
        post = _own_post(post_id, user)
        if not post.editable_by(user):
            abort(403, description=_("A post can only be edited in the first 15 minutes."))
        recipients = mention_recipients(user, body)
        write.lock(*recipients)  # after the post's row, as a delete takes them (remove_activity)
        if body != post.body:
            post.body = body
            post.language = detect_language(body)
            post.edited_at = utcnow()
        db.session.flush()
        for user_id in sorted(recipients):
            add_activity(user_id, user.id, MENTION, post.id)  # once per person and post: old mentions stay quiet
    return post


def delete_post(post_id: int, user) -> None:
    """Delete `user`'s post and the mentions it made (their recipients' counts follow); commit."""
    with changing():
        post = _own_post(post_id, user)
        remove_activity(kind=MENTION, post_id=post.id)  # its recipients' counts follow, under their locks
        db.session.delete(post)
