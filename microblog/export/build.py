"""Building an export's ZIP in bounded memory: every JSON file is written item by item while its rows are
read in batches (`yield_per`), so 10,000 messages cost no more memory than 100."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..messages.models import Member, Message
from ..posts.models import Post
from ..users.models import User
from ..users.relations import Block, followers

BATCH = 500


def export_dir() -> Path:
    """EXPORT_DIR (environment or config), by default instance/exports: with several hosts, a shared one."""
    path = Path(
        current_app.config.get("EXPORT_DIR")
        or os.environ.get("EXPORT_DIR")
        or Path(current_app.instance_path) / "exports"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stamp(value):
    return value.isoformat() if value is not None else None


def _write_list(archive: zipfile.ZipFile, name: str, rows, shape) -> int:
    """Write `[item, item, ...]` to `name`, one row at a time; returns how many."""
    count = 0
    with archive.open(name, "w", force_zip64=True) as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
        out.write("[")
        for row in rows:
            out.write(("," if count else "") + "\n" + json.dumps(shape(row), ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    return count


def _stream(stmt):
    return db.session.execute(stmt.execution_options(yield_per=BATCH))


def build_zip(user: User, path: Path) -> None:
    """profile.json, posts.json, follows.json, followers.json, blocks.json, conversations/<name>.json."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        profile = {
            "username": user.username,
            "email": user.email,
            "about_me": user.about_me,
            "last_seen": _stamp(user.last_seen),
            "message_policy": user.message_policy,
        }
        archive.writestr("profile.json", json.dumps(profile, ensure_ascii=False, indent=1))
        _write_list(
            archive,
            "posts.json",
            _stream(sa.select(Post.id, Post.body, Post.timestamp).where(Post.user_id == user.id).order_by(Post.id)),
            lambda r: {"id": r.id, "body": r.body, "timestamp": _stamp(r.timestamp)},
        )
        for name, mine, theirs in (
            ("follows.json", followers.c.follower_id, followers.c.followed_id),
            ("followers.json", followers.c.followed_id, followers.c.follower_id),
        ):
            _write_list(
                archive,
                name,
                _stream(
                    sa.select(User.username)
                    .join(followers, theirs == User.id)
                    .where(mine == user.id)
                    .order_by(User.username)
                ),
                lambda r: r.username,
            )
        _write_list(
            archive,
            "blocks.json",
            _stream(
                sa.select(User.username)
                .join(Block, Block.blocked_id == User.id)
                .where(Block.blocker_id == user.id)
                .order_by(User.username)
            ),
            lambda r: r.username,
        )
        members = db.session.execute(
            sa.select(Member.conversation_id, Member.cleared_before_id, User.username)
            .join(User, User.id == Member.other_id)
            .where(Member.user_id == user.id)
            .order_by(Member.conversation_id)
        ).all()
        for conversation_id, cleared, other in members:
            messages = _stream(
                sa.select(Message.id, Message.sender_id, Message.body, Message.timestamp)
                .where(Message.conversation_id == conversation_id, Message.id > cleared)
                .order_by(Message.id)
            )
            _write_list(
                archive,
                f"conversations/{other}.json",
                messages,
                lambda r, other=other: {
                    "id": r.id,
                    "from": user.username if r.sender_id == user.id else other,
                    "body": r.body,
                    "timestamp": _stamp(r.timestamp),
                },
            )
