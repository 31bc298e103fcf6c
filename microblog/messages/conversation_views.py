"""A conversation as a whole (SPEC S17): the live list's poll, New message (the people picker), mute,
mark as unread, and delete for me (asked first)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.session import session_user
from ..forms import EmptyForm
from ..htmx import BADGE, after_post, answer, poll, redirect_after_post, render, target
from ..unread.counts import current_counts
from ..unread.reads import mark_read
from ..unread.state import list_state
from .acts import mark_unread, set_muted
from .models import membership
from .picker import people
from .blueprint import bp, partner as _partner


def list_token(state: int) -> str:
    """What the list shows, as its poll's cursor: the user's list version (`models.ListVersion`)."""
    return str(state)


@bp.get("/new_message")
@login_required
def new_message():
    """New message: find a person by name (as you type with htmx); each result opens the conversation or
    says why it cannot."""
    query = request.args.get("q", "")[:100]
    return render("messages/new.html", "partials/messages/people.html", q=query, people=people(query))


@bp.route("/messages/<username>/delete", methods=["GET", "POST"])
@login_required
def delete(username):
    """Delete the conversation for me: GET (or a POST without confirmed=1, from a page without JavaScript)
    asks first; POST with confirmed=1 (htmx sends it after hx-confirm) hides it up to now
    from me only: 303 to the list, or for htmx an empty answer (the row goes away) and the badge out-of-band."""
    other = _partner(username)
    if request.method == "GET" or request.form.get("confirmed") != "1":  # a form without script asks first
        return answer(render_template("messages/confirm_delete.html", other=other, form=EmptyForm()))
    member = membership(current_user.id, other.id)
    if member is not None and member.last_message_id > member.cleared_before_id:
        mark_read(current_user, member, member.last_message_id, clear=True)
    # From a list row (htmx): the row goes away, with the badge and the list's title (its rows carry the htmx
    # delete form). From the thread's controls, or without htmx: to the list.
    return after_post(
        url_for("messages.messages"),
        in_place=target() != "delete-conversation-form",
        flashed=(_("The conversation with %(username)s was deleted for you.", username=other.username), "success"),
        oob=(BADGE,),
        load=lambda: {"count": current_counts().messages},
        title=_("Messages"),
    )


@bp.post("/messages/<username>/mute")
@login_required
def mute(username):
    """Mute (muted=1) or unmute (muted=0): a muted conversation leaves the badge and pushes no badge event."""
    other = _partner(username)
    value = request.form.get("muted")
    if value not in ("0", "1"):
        abort(400, description=_("'muted' must be 0 or 1."))
    member = membership(current_user.id, other.id)
    if member is None:
        abort(404, description=_("You have no conversation with %(username)s yet.", username=other.username))
    set_muted(current_user, member, value == "1")
    return after_post(
        url_for("messages.thread", username=other.username),
        "partials/messages/controls.html",
        oob=(BADGE,),
        load=lambda: {"count": current_counts().messages},
        other=other,
        member=member,
    )


@bp.post("/messages/<username>/unread")
@login_required
def unread(username):
    """Mark the conversation as unread (its newest message to me counts again) and go back to the list."""
    other = _partner(username)
    member = membership(current_user.id, other.id)
    if member is None:
        abort(404, description=_("You have no conversation with %(username)s yet.", username=other.username))
    mark_unread(current_user, member)
    return redirect_after_post(url_for("messages.messages"))


def list_poll(full):
    """The list's poll: 204 when nothing a row shows changed (one statement, no user loaded), else `full()`."""

    def read():
        signed_in = session_user()
        return None if signed_in is None else list_state(*signed_in)

    return poll(read, list_token, request.args.get("state"), news=lambda _state: full())
