"""The activity page: new followers and mentions, newest first, grouped on display; viewing marks read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import EmptyForm
from ..htmx import render, wants_fragment
from ..pagination import paginate
from ..posts.models import Post
from ..unread import lock_user, mark_activity_read
from ..users.views import on_other_user, relation_answer
from .models import FOLLOW, MENTION, Activity, Block, blocks

bp = Blueprint("activity", __name__)


@dataclass
class Group:
    """Consecutive events shown as one item: several new followers, or one mention."""

    kind: str
    newest_id: int
    actors: list = field(default_factory=list)
    post: Post | None = None
    timestamp: datetime | None = None  # of the newest event in the group


def group(items: list[Activity]) -> list[Group]:
    """Runs of follows become one group (newest follower first); each mention is its own group."""
    post_ids = [a.post_id for a in items if a.kind == MENTION]  # an export's post_id is the export's id
    posts = {p.id: p for p in db.session.scalars(sa.select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
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
    stmt = sa.select(Activity).where(Activity.user_id == user.id).order_by(Activity.id.desc())
    page = paginate(stmt, current_app.config["POSTS_PER_PAGE"])
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
        count=user.activity_count,
    )


def _block_answer(user, message: str):
    """The block control swapped in place (htmx), or the profile with a flash."""
    return relation_answer(
        user,
        wants_fragment(),
        "partials/users/block.html",
        lambda: {"user": user, "i_block": blocks(current_user.id, user.id), "block_form": EmptyForm()},
        message,
        "success",
    )


@bp.post("/block/<username>")
@login_required
@on_other_user(_l("You cannot block yourself."))
def block(user):
    """Block a user: they cannot message, follow or mention-notify you; their follow of you ends."""
    lock_user(current_user.id)  # the lock a follow of me takes: a follow cannot slip in after the block
    if not blocks(current_user.id, user.id):
        db.session.add(Block(blocker_id=current_user.id, blocked_id=user.id))
    user.unfollow(current_user)
    db.session.commit()
    return _block_answer(user, _("You blocked %(username)s.", username=user.username))


@bp.post("/unblock/<username>")
@login_required
@on_other_user(_l("You cannot block yourself."))
def unblock(user):
    """Unblock a user (a no-op when not blocked)."""
    lock_user(current_user.id)
    db.session.execute(sa.delete(Block).where(Block.blocker_id == current_user.id, Block.blocked_id == user.id))
    db.session.commit()
    return _block_answer(user, _("You unblocked %(username)s.", username=user.username))
