"""Private messages: send, the inbox (which marks what it showed as read) and the sent box."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimit
from ..htmx import redirect_after_post, render, wants_fragment
from ..pagination import paginate
from ..users.views import get_user_or_404
from .forms import MessageForm
from .models import Message, mark_read, send_message as store_message

bp = Blueprint("messages", __name__)


@bp.route("/send_message/<recipient>", methods=["GET", "POST"])
@login_required
def send_message(recipient):
    """The message form; after sending, the recipient's profile (or, for htmx, a fresh form and the flash)."""
    user = get_user_or_404(recipient)
    if user.id == current_user.id:
        abort(400, description=_("You cannot send a private message to yourself."))
    form = MessageForm()
    limit = ("message", str(current_user.id), *ratelimit.limit_of("RATELIMIT_MESSAGES_PER_SENDER"))
    valid = form.validate_on_submit()
    retry = valid and ratelimit.hit(*limit)
    if retry:
        form.message.errors.append(_("You are sending messages too fast. Please wait a minute and try again."))
    elif valid:
        store_message(current_user, user, form.message.data)
        flash(_("Your message has been sent."), "success")
        if not wants_fragment():
            return redirect_after_post(url_for("users.user", username=user.username))
        form = MessageForm(formdata=None)
    if form.is_submitted() and form.errors:
        response = render("messages/send_message.html", "partials/messages/form.html", status=429 if retry else 422,
                          form=form, recipient=user)
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response
    return render("messages/send_message.html", "partials/messages/form.html", oob=("partials/shared/flashes.html",),
                  form=form, recipient=user)


@bp.get("/messages")
@login_required
def messages():
    """Received messages, newest first; marks read those up to the newest shown (badge sent out-of-band)."""
    page = paginate(Message.received(current_user), current_app.config["MESSAGES_PER_PAGE"])
    if page.items:
        mark_read(current_user, max(message.id for message in page.items))
    return render("messages/inbox.html", "partials/messages/list.html", oob=("partials/notifications/badge.html",),
                  messages=page, box="inbox", endpoint="messages.messages", endpoint_args={},
                  count=current_user.unread_count)


@bp.get("/messages/sent")
@login_required
def sent():
    """Messages you sent, newest first."""
    page = paginate(Message.sent(current_user), current_app.config["MESSAGES_PER_PAGE"])
    return render("messages/sent.html", "partials/messages/list.html", messages=page, box="sent",
                  endpoint="messages.sent", endpoint_args={})
