"""What the people of tests/house/test_concurrent_writes.py do with the writes the later issues added, through the
pages' own forms and links: edit and delete a post (its confirmation page), per-message actions (react, edit,
unsend, delete for me), mute and mark unread; the settings sections (privacy, appearance, email settings, a new
address verified from the email's link, resend, the banner, unsubscribe); two-factor sign-in on and off, signing
in with a code, deleting the account, asking for an export; translating a post. Each notes in `Accepted` what the server said yes to;
tests/house/write_checks.py compares the database with it."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pyotp

from .write_checks import Accepted
from .writers import Inbox, Page, Person

PASSWORD = "write-test-password"
EXTRA = "unsend-me"  # in the body of the messages their sender takes back


def own_post_id(me: Person, body: str) -> int:
    """The id of my post with this body, as my profile shows it."""
    for article in me.opens(f"/user/{me.name}").soup.select("article.post"):
        text = article.select_one(".body-text")
        if text is not None and text.get_text(strip=True) == body:
            return int(article["id"].removeprefix("post-"))
    raise AssertionError(f"{me.name}'s profile does not show {body!r}")


def edits_post(me: Person, body: str, accepted: Accepted) -> None:
    """The post's page, its Edit link, the edit form."""
    post_id = own_post_id(me, body)
    edit_url = me.opens(f"/post/{post_id}").form(f"#edit-post-{post_id}")["href"]
    new = f"{body} edited"
    if me.opens(edit_url).submits("#post-edit-form", "edit post", post=new) == 303:
        with accepted.lock:
            accepted.posts[accepted.posts.index(body)] = new
            accepted.edited_posts.add(post_id)


def deletes_post(me: Person, body: str, accepted: Accepted) -> None:
    """The post's Delete button (without script it leads to "Delete this post?"), then that page's form."""
    post_id = own_post_id(me, body)
    asked = me.opens(f"/post/{post_id}").answer(f"#delete-post-{post_id}", "ask to delete post")
    confirm = me.opens(urlsplit(asked.headers.get("Location", "")).path)
    if confirm.submits("#delete-post-confirm", "delete post") == 303:
        with accepted.lock:
            accepted.posts.remove(body)
            accepted.deleted_posts.add((post_id, body))


def newest_mine(me: Person, other: str) -> tuple[Page, int]:
    """The conversation with `other` (where only I write) and my newest message in it."""
    thread = me.opens(f"/messages/{other}")
    return thread, max(thread.ids("article.message-mine", "message-"))


def theirs(thread: Page) -> list[int]:
    """The messages to me the conversation shows, but for deleted ones and the ones their sender takes back."""
    return sorted(
        int(a["id"].removeprefix("message-"))
        for a in thread.soup.select("article.message-theirs")
        if a.select_one(".message-unsent") is None and EXTRA not in a.get_text()
    )


def actions(me: Person, thread: Page, message_id: int) -> Page:
    """The message's actions, from its "Actions" link (without script, a page of their own)."""
    link = thread.form(f'#message-{message_id} a[href$="/{message_id}/actions"]')["href"]
    return me.opens(link, route="page")


def sends_and_unsends(me: Person, other: str, run: str, r: int, accepted: Accepted) -> None:
    """Send a message, then take it back with its Unsend button (before the round's real message)."""
    body = f"{run} {me.name} {EXTRA} r{r}"
    if me.opens(f"/messages/{other}").submits("#message-form", "send", message=body) != 303:
        return
    thread, message_id = newest_mine(me, other)
    if (
        actions(me, thread, message_id).submits(f'#message-actions-{message_id} form[action$="/unsend"]', "unsend")
        == 303
    ):
        accepted.unsent.append(message_id)
    else:
        accepted.messages.append(body)


def edits_message(me: Person, other: str, body: str, accepted: Accepted) -> None:
    """My newest message's Edit link (a page without script), its form."""
    thread, message_id = newest_mine(me, other)
    edit_url = actions(me, thread, message_id).form(f'#message-actions-{message_id} a[href$="/edit"]')["href"]
    new = f"{body} edited"
    if me.opens(edit_url, route="page").submits(f"#message-{message_id} form", "edit message", message=new) == 303:
        with accepted.lock:
            accepted.messages[accepted.messages.index(body)] = new


def reacts(me: Person, prev: str, name: str, accepted: Accepted) -> None:
    """React to the newest message `prev` sent me (the same reaction again takes it back)."""
    thread = me.opens(f"/messages/{prev}")
    if not theirs(thread):
        return
    message_id = theirs(thread)[-1]
    menu = actions(me, thread, message_id)
    if menu.submits(f'#message-actions-{message_id} form[action$="/react"]', "react", reaction=name) == 303:
        before = accepted.reactions.get((message_id, me.name))
        accepted.reactions[(message_id, me.name)] = None if before == name else name


def hides(me: Person, prev: str, accepted: Accepted) -> None:
    """Delete for me the oldest message `prev` sent me."""
    thread = me.opens(f"/messages/{prev}")
    if theirs(thread):
        message_id = theirs(thread)[0]
        menu = actions(me, thread, message_id)
        if menu.submits(f'#message-actions-{message_id} form[action$="/hide"]', "delete for me") == 303:
            accepted.hidden.add((me.name, message_id))


def toggles_mute(me: Person, other: str, accepted: Accepted) -> None:
    thread = me.opens(f"/messages/{other}")
    muting = thread.form('#mute-form input[name="muted"]')["value"] == "1"
    if thread.submits("#mute-form", "mute") == 303:
        accepted.muted[(me.name, other)] = muting


def marks_unread(me: Person, prev: str, accepted: Accepted) -> None:
    """The conversation's Mark as unread (the last thing done with it): a message to me counts again."""
    thread = me.opens(f"/messages/{prev}")
    shown = theirs(thread)
    if thread.submits("#unread-form", "mark unread") == 303:
        accepted.read_up_to.pop((me.name, prev), None)  # the watermark may go down now
        if shown:  # one that stays: the conversation has a message to me above the watermark
            accepted.unread.add((me.name, prev))


def translates(me: Person, run: str, accepted: Accepted) -> None:
    """A post in Spanish, and its Translate button (a page without script; the translator: a local stand-in)."""
    # A sentence the run's random prefix never sways (0 in 1,500 prefixes; the one before: 4 in 600 undetected).
    body = f"{run} {me.name} ¿Cómo estás? Mañana vamos a la playa con mis amigos y después comemos paella juntos."
    if me.opens("/index").submits("#post-form", "post", post=body) != 303:
        return
    accepted.posts.append(body)
    post_id = own_post_id(me, body)
    answer = me.opens(f"/post/{post_id}").answer(f"#translate-{post_id}", "translate")
    assert answer.status != 200 or "[en] " in answer.body, f"{me.name}: the translation is not shown"


def tuner_script(me: Person, i: int, inbox: Inbox, unsubscribe_path: str, run: str, accepted: Accepted) -> None:
    """Every settings section once, the new address verified from the email's link; a post translated."""
    name = me.name
    translates(me, run, accepted)
    policy, theme, unread = ("following", "dark", "daily") if i % 2 else ("everyone", "light", "never")
    page = me.opens("/settings/privacy")
    if page.submits("#privacy-form", "privacy", message_policy=policy, read_receipts=None) == 303:
        accepted.privacy[name] = (policy, False)
    if me.opens("/appearance").submits("#appearance-form", "appearance", theme=theme) == 303:
        accepted.themes[name] = theme
    if me.opens("/email/settings").submits("#email-settings-form", "email settings", unread=unread) == 303:
        accepted.email_unread[name] = unread
    me.opens("/settings/privacy").submits("#verify-dismiss-form", "dismiss banner")
    address = f"{name}.new@example.com"
    if me.opens("/settings/account").submits("#email-form", "change email", email=address, password=PASSWORD) == 303:
        resent = me.opens("/settings/account").submits("#resend-form", "resend verification") == 303
        link = inbox.link(address, "/auth/verify_email/", count=2 if resent else 1)
        if me.opens(link).submits("#verify-email-form", "verify email") == 303:
            accepted.emails[name] = address
    if i % 2:  # the link in an email, signed out too: a page with one button
        if me.opens(unsubscribe_path).submits('form[action^="/email/unsubscribe/"]', "unsubscribe") == 200:
            accepted.email_unread[name] = "never"


def exporter_script(me: Person, ready: threading.Barrier, accepted: Accepted) -> None:
    """Export my data (run by two sessions of one person at once: one export is made)."""
    page = me.opens("/export")
    ready.wait(timeout=60)
    if page.submits("#export-form", "export") == 303:
        with accepted.lock:
            accepted.exports[me.name] = accepted.exports.get(me.name, 0) + 1


def turns_on_two_factor(me: Person, accepted: Accepted) -> list[str]:
    """The QR code's key typed into an authenticator (pyotp), its code confirmed: the recovery codes shown."""
    page = me.opens("/settings/two-factor")
    secret = page.text("#totp-secret")
    answer = page.answer("#enable-2fa-form", "enable two-factor", code=pyotp.TOTP(secret).now())
    if answer.status != 200:
        return []
    accepted.two_factor[me.name] = secret
    return [li.get_text(strip=True) for li in Page(me, answer.body).soup.select("#recovery-codes li")]


def guard_script(me: Person, i: int, writer: str, run: str, accepted: Accepted) -> None:
    """Even `i`: two-factor on, sign out and in again with a recovery code, off and on again with a new key.
    Odd `i`: post, follow `writer`, block, write to `writer`, then delete the account (i == 1 with two-factor on
    and a code, i == 3 with the password alone); the deleted session opens nothing any more."""
    leaves, two_factor = i % 2 == 1, i != 3
    if leaves:
        body = f"{run} {me.name} leaving soon"
        if me.opens("/index").submits("#post-form", "post", post=body) == 303:
            accepted.posts.append(body)
        if me.opens(f"/user/{writer}").submits("#follow-controls form", "follow") == 303:
            accepted.follows[(me.name, writer)] = True
        if me.opens("/user/quiet0").submits("#block-controls form", "block") == 303:
            accepted.blocks[(me.name, "quiet0")] = True
        body = f"{run} {me.name} to {writer} before leaving"
        if me.opens(f"/messages/{writer}").submits("#message-form", "send", message=body) == 303:
            accepted.messages.append(body)  # it stays in their conversation (README, deleting an account)
    codes = [None, None]
    if two_factor:
        codes = turns_on_two_factor(me, accepted)
        assert len(codes) == 10, f"{me.name}: no recovery codes shown"
        assert me.opens("/index").submits('form[action="/auth/logout"]', "sign out") == 303
        assert me.signs_in(PASSWORD, codes[0]) == 303, f"{me.name} could not sign in with a recovery code"
    if leaves:
        page = me.opens("/settings/delete")
        if page.submits("#delete-account-form", "delete account", password=PASSWORD, code=codes[1]) == 303:
            accepted.deleted.add(me.name)  # its posts, follows and blocks must be gone: write_checks.py
            assert me.status_of("/index") == 302, f"{me.name}'s session still opens /index after deleting the account"
        return
    page = me.opens("/settings/two-factor")
    if page.submits("#disable-2fa-form", "disable two-factor", password=PASSWORD, code=codes[1]) == 303:
        accepted.two_factor[me.name] = None
    turns_on_two_factor(me, accepted)
