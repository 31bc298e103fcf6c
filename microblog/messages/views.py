"""Private messages as conversations: the list, a thread (with its reply form, its "earlier" pages and its
poll), delete-for-me, and the tutorial's /send_message URL, which now lands in the conversation."""

from __future__ import annotations

from flask import abort, current_app, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .. import ratelimit
from ..auth.session import session_user
from ..extensions import login_manager
from ..htmx import after_post, fragment, mark_poll, nothing_new, poll, render, render_form, wants_fragment
from ..pagination import Page, page_number
from ..posts.mentions import preload_mentions
from ..unread.counts import current_counts
from ..unread.reads import mark_read
from ..unread.state import list_state, thread_state
from .acts import Refused, send
from ..users.models import User
from ..users.names import lookup_key, username_key
from ..users.relations import refusal
from .forms import MessageForm
from . import actions, message_views  # noqa: F401 - message_views: its routes, on this blueprint
from .blueprint import bp, partner as _partner
from .conversation_views import list_poll, list_token
from .inbox import conversation_list
from .models import received_after
from .opening import Opened, open_conversation
from .window import thread as thread_messages

MAX_CURSOR = 2**31 - 1  # message ids and versions are INTEGER columns: a larger cursor was a 500 on PostgreSQL
POLL_BATCH = 50  # at most this many new messages per poll; the next poll brings the rest
# Fixed words that /messages/<word> answered before it meant "the conversation with <word>": they keep
# answering (a redirect) unless a user has that name, who then still reaches their conversation.
LEGACY_PATHS = {"sent": "messages.messages"}


def cursor(name: str) -> int | None:
    """A message-id cursor from the query string: None when absent, 400 unless a whole number in range."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_CURSOR:
        abort(400, description=_("'%(name)s' must be a message number.", name=name))
    return int(raw)


@bp.get("/messages")
def messages():
    """Your conversations, newest activity first; the list alone for htmx paging and for its poll
    (`?state=`: 204 when nothing a row shows changed)."""
    if "state" in request.args and wants_fragment():
        return list_poll(conversations)
    return conversations()


def conversations():
    """The conversation list (the page, or the list alone for htmx)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    number = page_number()
    rows, has_next, state = conversation_list(current_user.id, number, current_app.config["MESSAGES_PER_PAGE"])
    if state is None:  # an empty page: the state on its own
        state = list_state(current_user.id, current_user.session_token) or 0
    if number > 1 and not rows:
        abort(404, description=_("There is no page %(page)d.", page=number))
    return render(
        "messages/inbox.html",
        "partials/messages/conversations.html",
        state=list_token(state),
        conversations=Page(items=rows, page=number, has_next=has_next),
        me=current_user,
    )


def _cursor_after(messages, member) -> int:
    """The poll's cursor: the newest message to me shown (ids to me grow in commit order, see unread)."""
    me = current_user.id  # once: a context-local lookup per message otherwise
    mine = [m.id for m in messages if m.recipient_id == me]
    floor = messages[0].id - 1 if messages else 0
    return max([floor, member.cleared_before_id if member else 0, *mine])


def _thread_tag(newest: int, version: int | None) -> str:
    """A conversation as its poller shows it: the newest message to me, and its version (edits, unsends,
    reactions, reads) from pages that send `v`."""
    return str(newest) if version is None else f"{newest}:{version}"


def _signed_in_partner(username: str):
    """What every request to a conversation checks first: a 401, a legacy word's 301, or the partner."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if username_key(username) in LEGACY_PATHS and User.by_username(username) is None:
        return _redirect(url_for(LEGACY_PATHS[username_key(username)]), 301)
    return _partner(username)


def _conversation(username: str, then):
    """A GET of a conversation: the checks of `_signed_in_partner` (in the same order, with the same answers),
    then `then(opened)` (opening.Opened: the partner, my membership, how we stand, "Seen"), read at once."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    key = lookup_key(username)
    if key is not None and key == current_user.username_key:
        return _partner(username)  # yourself: its 400
    opened = open_conversation(current_user.id, key) if key is not None else None
    if opened is None:
        if username_key(username) in LEGACY_PATHS:
            return _redirect(url_for(LEGACY_PATHS[username_key(username)]), 301)
        return _partner(username)  # nobody by that name: its 404
    return then(opened)


@bp.get("/messages/<username>")
def thread(username):
    """A conversation's GETs, by their query: `?after=` from htmx is its poll, `?before=` its earlier
    messages, else its page."""
    if "after" in request.args and wants_fragment():
        return thread_poll(username)
    if "before" in request.args:
        return earlier(username)
    return conversation(username)


def conversation(username):
    """The conversation (oldest to newest) with its reply form, or why you cannot reply."""
    return _conversation(username, lambda opened: _show(opened, MessageForm(formdata=None)))


def earlier(username):
    """`?before=`: the messages before that one (the page from there, or for htmx the "earlier" fragment)."""

    def show(opened):
        return _show(opened, MessageForm(formdata=None), before=cursor("before"))

    return _conversation(username, show)


def thread_poll(username):
    """`?after=&v=` (htmx): 204 when nothing new came and nothing changed (one query, no user loaded), else
    the new and changed messages, out-of-band."""
    mark_poll()  # first: a bad cursor is a poll's failure too (it swaps nothing)
    after, version = cursor("after"), cursor("v")
    key = lookup_key(username)

    def read():
        signed_in = session_user()
        if signed_in is None or key is None:
            return None  # unsure: the full path decides (a "remember me" cookie, a 401, a 404)
        return thread_state(*signed_in, key, after)

    return poll(
        read,
        lambda state: _thread_tag(state[0] or after, None if version is None else state[1]),
        _thread_tag(after, version),
        news=lambda _state: _conversation(username, _poll),
    )


@bp.post("/messages/<username>")
def reply(username):
    """Reply: 303 back to the conversation, or for htmx a fresh form and the new message."""
    other = _signed_in_partner(username)
    return other if isinstance(other, Response) else _reply(other)


def _redirect(url: str, status: int):
    response = make_response("", status)
    response.headers["Location"] = url
    return response


def _show(opened: Opened, form, status=200, before=None):
    cursor("after"), cursor("v")  # checked even when not polling: junk is a 400 everywhere
    other, member = opened.other, opened.member
    per_page = current_app.config["THREAD_MESSAGES_PER_PAGE"]
    if member is None:
        messages, has_earlier, reactions = [], False, {}
    else:
        messages, has_earlier, reactions = thread_messages(member, before=before, limit=per_page)
        if messages:
            mark_read(current_user, member, messages[-1].id)
    partial = "partials/messages/earlier.html" if before is not None else "partials/messages/log.html"
    # Only the whole page has the form (or, when refused, why not), from how we stand (read on opening).
    refused = None if wants_fragment() else refusal(current_user, other, opened.relation)
    # Read with the membership, before the messages (or our own read's bump): a later change is polled.
    version = actions.conversation_version(member)
    preload_mentions(messages)
    return render(
        "messages/thread.html",
        partial,
        status=status,
        refused=refused,
        oob=("partials/notifications/badge.html",),
        title=_("Conversation with %(username)s", username=other.display_name),
        messages=messages,
        has_earlier=has_earlier,
        before=before,
        me=current_user,
        other=other,
        after=_cursor_after(messages, member),
        version=version,
        form=form,
        count=current_counts().messages,
        reactions=reactions,
        member=member,
        seen=actions.seen(current_user, other, member, opened.theirs),
        focus=True,
    )


def _poll(opened: Opened):
    """New messages to me go to the end of the log, changed ones (edits, unsends, reactions) replace
    themselves, "Seen" follows; all out-of-band, with the poller's new cursors."""
    other, member = opened.other, opened.member
    after, shown_version = cursor("after"), cursor("v")
    messages = received_after(member, after, POLL_BATCH) if member else []
    # A poller without `v` (an old page) asks only for new messages.
    changed = (
        actions.changed_since(member, shown_version, after, POLL_BATCH) if member and shown_version is not None else []
    )
    if not messages and not changed and shown_version in (None, actions.conversation_version(member)):
        return nothing_new()
    if messages:
        mark_read(current_user, member, messages[-1].id)
    version = actions.conversation_version(member)
    shown = messages + changed
    preload_mentions(shown)
    return fragment(
        "partials/messages/poller.html",
        oob=(
            "partials/messages/appended.html",
            "partials/messages/changed.html",
            "partials/messages/seen.html",
            "partials/notifications/badge.html",
        ),
        messages=messages,
        changed=changed,
        me=current_user,
        other=other,
        after=messages[-1].id if messages else after,
        version=version,
        count=current_counts().messages,
        reactions=actions.reactions_of([m.id for m in shown], current_user.id),
        seen=actions.seen(current_user, other, member, opened.theirs),
        title=_("Conversation with %(username)s", username=other.display_name),
    )


def _reply(other):
    reason = refusal(current_user, other)
    if reason is not None:  # checked before anything is read or stored; the page said so before typing
        abort(403, description=reason)
    form = MessageForm()
    limit = ratelimit.Limit.configured("message", str(current_user.id), "RATELIMIT_MESSAGES_PER_SENDER")
    valid = form.validate_on_submit()
    retry = valid and limit.hit()
    if retry:
        form.message.errors.append(_("You are sending messages too fast. Please wait a minute and try again."))
    elif valid:
        try:
            message = send(current_user, other, form.message.data)
        except Refused as refused:  # a block or a setting committed since the check above
            abort(403, description=str(refused))
        return after_post(
            url_for("messages.thread", username=other.username),
            "partials/messages/form.html",
            flashed=(_("Your message has been sent."), "success"),
            oob=("partials/messages/appended.html",),
            form=MessageForm(formdata=None),
            other=other,
            me=current_user,
            messages=[message],
            focus=True,
            reactions={},
        )
    response = render_form(
        lambda status: _show(open_conversation(current_user.id, other.username_key), form, status=status),
        in_place="partials/messages/form.html",
        form=form,
        other=other,
        me=current_user,
    )
    return ratelimit.too_many(retry, answer=response) if retry else response


@bp.route("/send_message/<recipient>", methods=["GET", "POST"])
@login_required
def send_message(recipient):
    """The tutorial's URL: GET goes to the conversation; POST sends there, as the thread's own form does."""
    other = _partner(recipient)
    if request.method == "POST":
        return _reply(other)
    return _redirect(url_for("messages.thread", username=other.username), 302)
