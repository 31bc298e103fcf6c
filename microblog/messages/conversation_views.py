"""A conversation as a whole (SPEC S17): the live list's poll, New message (the people picker), mute,
mark as unread, and delete for me (asked first)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..activity.privacy import refusal, relation_columns
from ..auth.login import parse_session_id
from ..extensions import db
from ..forms import EmptyForm
from ..htmx import answer, fragment, mark_poll, nothing_new, redirect_after_post, render, wants_fragment
from ..search.engine import search_users, terms
from ..unread import list_state, mark_read, mark_unread, set_muted
from ..users.models import User
from ..users.names import username_key
from .models import membership
from .blueprint import bp, partner as _partner

PICKER_SIZE = 8


def list_token(state: int) -> str:
    """What the list shows, as its poll's cursor: the user's list version (`models.ListVersion`)."""
    return str(state)


def list_unchanged() -> bool:
    """The list poll's fast path: True when the session is valid and nothing a row shows changed."""
    parsed = parse_session_id(session.get("_user_id"))
    if parsed is None:
        return False
    state = list_state(*parsed)
    return state is not None and list_token(state) == request.args.get("state")


def people(query: str) -> list[tuple[User, str | None]]:
    """Up to PICKER_SIZE people whose name starts with the query (not me), each with why I may not message
    them (None: I may); those I may message first."""
    names = [row.username for row in search_users(terms(query), limit=PICKER_SIZE + 1)]
    # The people and how each stands with me, in one statement (not a query per person), found by their
    # name's key (its unique index: `username` has none, and IN on it read every user, 3 ms at 10,000).
    keys = [username_key(name) for name in names]
    rows = db.session.execute(sa.select(User, *relation_columns(current_user.id)).where(User.username_key.in_(keys)))
    found = [
        (row[0], refusal(current_user, row[0], (bool(row[1]), bool(row[2]), bool(row[3]))))
        for row in (rows if names else [])
        if row[0].id != current_user.id
    ]
    order = {name: i for i, name in enumerate(names)}
    found.sort(key=lambda pair: (pair[1] is not None, order.get(pair[0].username, 0)))
    return found[:PICKER_SIZE]


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
    # From a list row (htmx): the row goes away. From the thread's controls, or without htmx: to the list.
    if wants_fragment() and request.headers.get("HX-Target") != "delete-conversation-form":
        return fragment(
            None, oob=("partials/notifications/badge.html",), count=current_user.unread_count, title=_("Messages")
        )  # the list's title: its rows carry the htmx delete form
    flash(_("The conversation with %(username)s was deleted for you.", username=other.username), "success")
    return redirect_after_post(url_for("messages.messages"))


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
    if not wants_fragment():
        return redirect_after_post(url_for("messages.thread", username=other.username))
    return fragment(
        "partials/messages/controls.html",
        oob=("partials/notifications/badge.html",),
        other=other,
        member=member,
        count=current_user.unread_count,
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


def poll_list():
    """The list's poll: 204 when unchanged (one statement, no user loaded), else None (render it)."""
    mark_poll()
    return nothing_new() if list_unchanged() else None
