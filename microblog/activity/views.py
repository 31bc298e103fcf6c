"""The activity page: new followers and mentions, newest first, grouped on display; viewing marks read."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, current_app
from flask_login import current_user, login_required

from ..extensions import db
from ..htmx import render
from ..pagination import paginate
from ..posts.mentions import MENTION
from ..posts.models import Post
from ..unread.counts import current_counts
from ..unread.reads import mark_activity_read
from ..users.relations import FOLLOW
from .models import Activity, activity_of

bp = Blueprint("activity", __name__)


@dataclass
class Group:
    """Consecutive events shown as one item: several new followers, or one mention."""

    kind: str
    newest_id: int
    actors: list = field(default_factory=list)
    post: Post | None = None
    timestamp: datetime | None = None  # of the newest event in the group


@functools.cache
def _posts_by_id() -> sa.Select:
    """Built once: the mentioned posts of a page, their ids bound."""
    return sa.select(Post).where(Post.id.in_(sa.bindparam("ids", expanding=True)))


def group(items: list[Activity]) -> list[Group]:
    """Runs of follows become one group (newest follower first); each mention is its own group."""
    post_ids = [a.post_id for a in items if a.kind == MENTION]  # an export's post_id is the export's id
    posts = {p.id: p for p in db.session.scalars(_posts_by_id(), {"ids": post_ids})} if post_ids else {}
    groups: list[Group] = []
    for item in items:
        if item.kind == FOLLOW and groups and groups[-1].kind == FOLLOW:
            groups[-1].actors.append(item.actor)
            continue
        groups.append(
            Group(
                kind=item.kind,
                newest_id=item.id,
                actors=[item.actor],
                post=posts.get(item.post_id) if item.kind == MENTION else None,
                timestamp=item.timestamp,
            )
        )
    return groups


@bp.get("/activity")
@login_required
def activity():
    """The page (the list alone for htmx paging); marks as read the newest event it shows."""
    user = current_user._get_current_object()
    page = paginate(activity_of(user.id), current_app.config["POSTS_PER_PAGE"])
    if page.items:
        mark_activity_read(user, page.items[0].id)
    # A fragment (htmx paging) carries the navbar's activity badge out-of-band: it may just have dropped.
    return render(
        "activity/activity.html",
        "partials/activity/list.html",
        oob=("partials/activity/badge.html",),
        groups=group(page.items),
        activities=page,
        endpoint="activity.activity",
        endpoint_args={},
        count=current_counts().activity,
    )
