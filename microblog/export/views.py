"""Export my data: the page with its button, and the download behind the emailed link."""

from __future__ import annotations

from flask import Blueprint, abort, flash, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import EmptyForm
from ..htmx import redirect_after_post, render
from .build import export_dir
from .exports import download_token, export_for_token, latest, start
from .models import READY

bp = Blueprint("export", __name__)


def _page():
    export = latest(current_user.id)
    link = url_for("export.download", token=download_token(export)) if export and export.state == READY else None
    return render("export/export.html", "partials/export/status.html", export=export, link=link, form=EmptyForm())


@bp.get("/export")
@login_required
def export_page():
    """Export my data: the latest export's state and the button."""
    return _page()


@bp.post("/export")
@login_required
def start_export():
    """Start an export (a background job); 409 while one is under way."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    export = start(current_user)
    if export is None:
        abort(409, description=_("An export is already being prepared. Please wait for it to finish."))
    from ..jobs import enqueue
    from ..jobs.tasks import build_export

    enqueue(build_export, export.id)
    flash(_("Your export is being prepared. We will tell you here and by email when it is ready."), "success")
    return redirect_after_post(url_for("export.export_page"))


@bp.get("/export/download/<token>")
@login_required
def download(token):
    """The ZIP, for its signed-in owner only, for 24 hours."""
    export, why = export_for_token(token)
    if why == "expired":
        abort(400, description=_("This download link has expired. Start a new export."))
    if export is None:
        abort(400, description=_("This download link is not valid."))
    if export.user_id != current_user.id:
        abort(403, description=_("This export belongs to another account."))
    path = export_dir() / export.filename
    if export.state != READY or not path.is_file():
        abort(404, description=_("This export is no longer available. Start a new export."))
    return send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"microblog-{current_user.username}-{export.id}.zip",
    )
