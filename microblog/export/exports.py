"""Starting an export (one at a time per user), running it (the job), and its signed download link."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ..database import utcnow
from ..extensions import db
from ..mail import MailError, public_url
from ..unread.activity import add_activity
from ..unread.locks import changing
from ..users.models import User
from .build import build_zip, export_dir
from .models import FAILED, PENDING, READY, DataExport

log = logging.getLogger("microblog.export")

EXPORT = "export"  # the activity kind that says an export is ready (post_id: the export's id)
LINK_MAX_AGE = 24 * 60 * 60
STALE = timedelta(hours=1)  # a pending export this old died with its worker: another may start


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="data-export")


def download_token(export: DataExport) -> str:
    return _serializer().dumps({"e": export.id, "u": export.user_id})


def export_for_token(token: str) -> tuple[DataExport | None, str | None]:
    """(the export, None), or (None, why not): "invalid" or "expired"."""
    if len(token) > 300:
        return None, "invalid"
    try:
        data = _serializer().loads(token, max_age=LINK_MAX_AGE)
        export_id, user_id = int(data["e"]), int(data["u"])
    except SignatureExpired:
        return None, "expired"
    except (BadData, KeyError, TypeError, ValueError):
        return None, "invalid"
    export = db.session.get(DataExport, export_id)
    return (export, None) if export is not None and export.user_id == user_id else (None, "invalid")


def latest(user_id: int) -> DataExport | None:
    return db.session.scalar(
        sa.select(DataExport).where(DataExport.user_id == user_id).order_by(DataExport.id.desc()).limit(1)
    )


def start(user: User) -> DataExport | None:
    """Record a new export for `user` under their lock and commit; None when one is under way already."""
    with changing(user.id):
        under_way = db.session.scalar(
            sa.select(DataExport.id).where(
                DataExport.user_id == user.id, DataExport.state == PENDING, DataExport.created_at > utcnow() - STALE
            )
        )
        if under_way is not None:
            return None
        export = DataExport(user_id=user.id, state=PENDING)
        db.session.add(export)
    return export


def run(export_id: int) -> str:
    """The job: build the ZIP, mark it ready, tell the owner in the app (an activity item) and by email."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.state != PENDING:
        return "gone"
    user = db.session.get(User, export.user_id)
    path = export_dir() / export.filename
    try:
        build_zip(user, path)
    except Exception:
        log.exception("data export %s failed", export_id)
        path.unlink(missing_ok=True)
        db.session.rollback()
        db.session.execute(sa.update(DataExport).where(DataExport.id == export_id).values(state=FAILED))
        db.session.commit()
        raise
    db.session.rollback()  # the reads' transaction (a server-side cursor on PostgreSQL)
    with changing(user.id):
        db.session.execute(
            sa.update(DataExport).where(DataExport.id == export_id).values(state=READY, finished_at=utcnow())
        )
        add_activity(user.id, user.id, EXPORT, export_id)
    _email(user, export)
    return READY


def _email(user: User, export: DataExport) -> None:
    from ..notifications.email_compose import Outgoing, preference

    link = public_url("export.download", token=download_token(export))
    locale = preference(user.id).locale or "en"
    with current_app.test_request_context("/"), force_locale(locale):
        context = {"user": user, "link": link, "hours": LINK_MAX_AGE // 3600, "locale": locale}
        message = Outgoing(
            _("[Microblog] Your data export is ready"),
            user.email,
            render_template("email/export_ready.txt", **context),
            render_template("email/export_ready.html", **context),
        )
    try:
        message.send()
    except MailError as error:  # the app's activity item says it too; the file stays for 24 h
        log.error("data export %s: the email to user %s failed (%s)", export.id, user.id, error)


def remove_expired(now=None) -> int:
    """Delete the files of exports older than their link (hourly job); returns how many."""
    now = now or utcnow()
    old = db.session.scalars(
        sa.select(DataExport).where(
            DataExport.state == READY, DataExport.finished_at < now - timedelta(seconds=LINK_MAX_AGE)
        )
    )
    count = 0
    for export in old:
        (export_dir() / export.filename).unlink(missing_ok=True)
        export.state = "expired"
        count += 1
    db.session.commit()
    return count
