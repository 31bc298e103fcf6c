"""The activity page: new followers and mentions, newest first, grouped on display; viewing marks read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, current_app
from flask_login import current_user, login_required

from ..htmx import render
from ..pagination import paginate
from ..posts.mentions import MENTION
from ..unread.counts import current_counts
from ..unread.reads import mark_activity_read
from ..users.relations import FOLLOW
from .listing import ListedActivity, Mentioned, activity_of

bp = Blueprint("activity", __name__)


@dataclass
class Group:
    """Consecutive events shown as one item: several new followers, or one mention."""

    kind: str
    newest_id: int
    actors: list = field(default_factory=list)
    post: Mentioned | None = None
    timestamp: datetime | None = None  # of the newest event in the group


def group(items: list[ListedActivity]) -> list[Group]:
    """Runs of follows become one group (newest follower first); each mention is its own group."""
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
                post=item.post if item.kind == MENTION else None,
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
