"""The Post model and the timeline queries."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..pagination import Listing
from ..users.models import User
from ..users.relations import Block, followers
from .language import detect_language

BODY_MAX = 140
LANGUAGE_MAX = 8
EDIT_WINDOW = timedelta(minutes=15)  # an author may edit a post this long after writing it


class Post(db.Model):
    __tablename__ = "post"
    __table_args__ = (sa.Index("ix_post_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(sa.String(BODY_MAX))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    # Detected when written (microblog.posts.language); None when too short or unsure.
    language: Mapped[Optional[str]] = mapped_column(sa.String(LANGUAGE_MAX))
    # When the author last changed the body (microblog.posts.changes.edit_post); None: never edited.
    edited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Post {self.id}>"

    def editable_by(self, user) -> bool:
        return may_edit(self, user)

    def deletable_by(self, user) -> bool:
        return may_delete(self, user)

    @staticmethod
    def timeline(user: User) -> Listing:
        """Posts by the people `user` follows (and does not block) and by `user`, newest first."""
        return Listing(_listed(), {"viewer_id": user.id}, ids=_timeline_ids(), make=ListedPost)

    @staticmethod
    def hidden_authors(viewer_id) -> sa.Select:
        """Ids whose posts `viewer_id` does not see: the people they block and the people who block them
        (blocks hide both ways, as on Bluesky and Mastodon; README "Activity and privacy")."""
        return sa.union(
            sa.select(Block.blocked_id).where(Block.blocker_id == viewer_id),
            sa.select(Block.blocker_id).where(Block.blocked_id == viewer_id),
        )

    @staticmethod
    def everyone(viewer: User | None = None) -> Listing:
        """Everyone's posts, newest first; without the authors hidden from `viewer` (blocks)."""
        viewer_id = viewer.id if viewer is not None else 0  # 0: hides nobody
        return Listing(_listed(), {"viewer_id": viewer_id}, ids=_everyone_ids(), make=ListedPost)

    @staticmethod
    def by_user(user: User) -> Listing:
        return Listing(_listed(), {"user_id": user.id}, ids=_by_user_ids(), make=ListedPost)


class Author:
    """A listed post's author: what the post partial reads of them (.id, .username)."""

    __slots__ = ("id", "username")

    def __init__(self, id: int, username: str):
        self.id, self.username = id, username


class ListedPost:
    """A post in a list (home, explore, a profile) as the post partial reads it: .id .body .timestamp
    .language .edited_at .user_id and .author (.id, .username). Plain rows made into these cost a page of 10
    posts 0.2-0.3 ms less than Post and User entities (the ORM's identity map and instance state; in-process
    A/B: home -0.33, explore -0.22, a profile -0.25 ms)."""

    __slots__ = ("id", "body", "timestamp", "language", "edited_at", "user_id", "author")

    def __init__(self, row):
        self.id, self.body, self.timestamp, self.language, self.edited_at, self.user_id, username = row
        self.author = Author(self.user_id, username)


# The lists' statements, built once (pagination.Listing): a page binds the viewer's or the author's id.
def listed_columns() -> tuple:
    """The columns a ListedPost is made of, in its order (the author's name needs a join to User)."""
    return (Post.id, Post.body, Post.timestamp, Post.language, Post.edited_at, Post.user_id, User.username)


@functools.cache
def _listed() -> sa.Select:
    """The columns of a ListedPost, newest first: the rows of a page whose ids one of the below finds."""
    return sa.select(*listed_columns()).join(User, User.id == Post.user_id).order_by(Post.id.desc())


@functools.cache
def _timeline_ids() -> sa.Select:
    """The ids of a timeline page. Each author's posts are read newest first on (user_id, id), from their
    (page_limit + page_offset)-th newest on: no post below that can be on the page. The plain filter (IN the
    followed OR the viewer) read every post of every followed author and sorted them all: 0.24 ms of SQLite
    on the seed's first page (50 followed, ~1,000 posts), this 0.09 ms, the same rows in the same order."""
    viewer_id = sa.bindparam("viewer_id", type_=sa.Integer)
    limit, offset = sa.bindparam("page_limit", type_=sa.Integer), sa.bindparam("page_offset", type_=sa.Integer)
    authors = sa.union(
        sa.select(followers.c.followed_id.label("id")).where(followers.c.follower_id == viewer_id),
        sa.select(sa.cast(viewer_id, sa.Integer).label("id")),
    ).subquery("authors")
    older = sa.orm.aliased(Post)
    lowest = (
        sa.select(older.id)
        .where(older.user_id == authors.c.id)
        .order_by(older.id.desc())
        .limit(1)
        .offset(limit + offset - 1)
        .scalar_subquery()
    )
    blocked = sa.select(Block.blocked_id).where(Block.blocker_id == viewer_id)  # their posts leave it
    return (
        sa.select(Post.id)
        .select_from(authors)
        .join(Post, Post.user_id == authors.c.id)
        .where(authors.c.id.not_in(blocked), Post.id >= sa.func.coalesce(lowest, 0))
        .order_by(Post.id.desc())
        .limit(limit)
        .offset(offset)
    )


def _ids(*where) -> sa.Select:
    """A page's post ids on the post table alone (OFFSET skips index entries, not joined rows)."""
    limit, offset = sa.bindparam("page_limit"), sa.bindparam("page_offset")
    return sa.select(Post.id).where(*where).order_by(Post.id.desc()).limit(limit).offset(offset)


@functools.cache
def _everyone_ids() -> sa.Select:
    return _ids(Post.user_id.not_in(Post.hidden_authors(sa.bindparam("viewer_id"))))


@functools.cache
def _by_user_ids() -> sa.Select:
    return _ids(Post.user_id == sa.bindparam("user_id"))


def may_delete(post, user) -> bool:
    """Whether `user` may delete `post` (anything with .author and .timestamp): its author, at any time."""
    return bool(getattr(user, "is_authenticated", False)) and user.id == post.author.id


def may_edit(post, user) -> bool:
    """Whether `user` may still edit `post`: its author, within EDIT_WINDOW of writing it."""
    return may_delete(post, user) and utcnow() - post.timestamp < EDIT_WINDOW


@sa.event.listens_for(Post, "before_insert")
def _detect_language(mapper, connection, post: Post) -> None:
    if post.language is None and post.body:
        post.language = detect_language(post.body)
