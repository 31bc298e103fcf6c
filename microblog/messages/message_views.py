"""Per-message actions (SPEC S17): react, edit, unsend, delete for me, offered on demand (GET .../actions). Each
is a POST with CSRF that answers htmx with the message's own partial (swapped in place) and a plain form with
303 back to the thread."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..htmx import after_post, render, render_form, wants_fragment
from .acts import unsend as unsend_message
from . import actions
from .forms import EditForm
from .models import membership
from .blueprint import bp, partner as _partner


def _load(username: str, message_id: int):
    """(other person, my membership, the message): 404 unless the message is in my conversation with them."""
    other = _partner(username)
    member = membership(current_user.id, other.id)
    return other, member, actions.message_in(member, message_id)


def _answer(other, message):
    """The message swapped in place (htmx), or 303 back to it in the thread."""
    return after_post(
        url_for("messages.thread", username=other.username) + f"#message-{message.id}",
        "partials/messages/message.html",
        load=lambda: {"reactions": actions.reactions_of([message.id], current_user.id)},
        message=message,
        me=current_user,
        other=other,
    )


@bp.get("/messages/<username>/<int:message_id>/actions")
@login_required
def message_actions(username, message_id):
    """A message's actions (react, edit, unsend, delete for me), on demand: in place of its "Actions" link
    (htmx), or a page of their own without JavaScript."""
    other, _member, message = _load(username, message_id)
    return render(
        "messages/actions.html",
        "partials/messages/actions.html",
        message=message,
        me=current_user,
        other=other,
        reactions=actions.reactions_of([message.id], current_user.id) if not wants_fragment() else {},
    )


@bp.post("/messages/<username>/<int:message_id>/react")
@login_required
def react(username, message_id):
    """Toggle my reaction (one of six) to a message of the conversation."""
    other, _member, message = _load(username, message_id)
    actions.react(message, current_user.id, request.form.get("reaction", ""))
    return _answer(other, message)


@bp.post("/messages/<username>/<int:message_id>/unsend")
@login_required
def unsend(username, message_id):
    """Unsend my message for both of us ("This message was deleted"); if unread, it stops counting."""
    other, _member, message = _load(username, message_id)
    if message.sender_id != current_user.id:
        abort(404, description=_("There is no such message in this conversation."))
    if not message.unsent:
        unsend_message(message)
    return _answer(other, message)


@bp.post("/messages/<username>/<int:message_id>/hide")
@login_required
def hide(username, message_id):
    """Delete a message for me only: htmx removes it from the log; the other person sees no change."""
    other, _member, message = _load(username, message_id)
    actions.hide(message, current_user.id)
    return after_post(url_for("messages.thread", username=other.username))


@bp.route("/messages/<username>/<int:message_id>/edit", methods=["GET", "POST"])
@login_required
def edit(username, message_id):
    """Edit my message within 15 minutes: GET the form (in place, or a page), POST saves it ("edited")."""
    other, _member, message = _load(username, message_id)
    if message.sender_id != current_user.id:
        abort(404, description=_("There is no such message in this conversation."))
    if not actions.editable(message, current_user.id):
        abort(
            403,
            description=_(
                "A message can only be edited by its author within %(minutes)d minutes.", minutes=actions.EDIT_MINUTES
            ),
        )
    form = EditForm(formdata=None, message=message.body) if request.method == "GET" else EditForm()
    if request.method == "POST":
        if form.validate_on_submit():
            actions.edit(message, current_user.id, form.message.data)
            return _answer(other, message)
    return render_form(
        "messages/edit.html",
        "partials/messages/edit.html",
        form=form,
        message=message,
        other=other,
    )
