"""The fragment cache (microblog/fragments.py) under random sequences of what users do (hypothesis, stateful).

test_fragments.py changes each input of a kept fragment one at a time; here four people in five browsers (ann
signed in twice: two sessions, two CSRF tokens) post, edit, delete, follow, block, message, react, unsend,
mute, mention each other, rename themselves, switch language and theme, age posts and messages past their
edit windows, and one (dee) may delete her account, all through the HTML's own forms and links, on one app
with CSRF on and FRAGMENT_CACHE_CHECK on (a kept fragment that differs from a fresh render raises). Pages
and lists are small (3 a page) so that "Earlier messages" windows, pages of posts and conversation rows
come and go within a few steps. After every answer, what a user would check is compared with the
database: each post's and message's current text, author name, "edited", reactions and controls; nothing
across a block; the navbar's name and counts; every CSRF token this session's; the language asked for.

Bounded for CI (15 examples of up to 30 steps, ~30 s; marked slow: `make test` and CI run it, `make test-quick` does not) and derandomized (the same sequences every run). A longer
local hunt: FRAGMENT_FUZZ_RANDOM=1 FRAGMENT_FUZZ_EXAMPLES=400 FRAGMENT_FUZZ_STEPS=50; FRAGMENT_FUZZ_SHRINK=0
reports a failure without shrinking it; FRAGMENT_FUZZ_CHECK=0 turns FRAGMENT_CACHE_CHECK off, so that only
the checks against the database can find stale markup (how the keys' inputs were each dropped in turn, README
"Fragment cache").

Each input of the keys was dropped in turn (a post's edited_at, body, mentions, author, may_edit, may_delete and
target language; a window's reactions and edit stamps; a message's reactions and the other's display name; a row's
unread count, muted and last text; the navbar's name and counts; the locale; a row's CSRF token kept instead of
slotted): this test fails for each, with the check on and with it off, but for a post's body alone (no user can
change it alone: an edit that changes it stamps edited_at too). It also found a defect outside the cache: the
thread's poll appended a message deleted for me (tests/messages/test_per_message.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test
from itsdangerous import BadSignature, URLSafeTimedSerializer

from microblog.database import utcnow
from microblog.extensions import db
from microblog.formatting import preview
from microblog.messages.models import Hidden, Member, Message, Reaction
from microblog.posts.models import EDIT_WINDOW, Post
from microblog.users.models import User
from microblog.users.relations import Block
from tests import truth
from tests.conftest import PASSWORD, files_folder, make_app, make_user, running
from tests.html import actor, text

# Each person's names (the first is the one they start with): a rename moves between them.
NAMES = {"ann": ("ann", "anna"), "ben": ("ben", "benito"), "cid": ("cid", "cyd"), "dee": ("dee", "dora")}
BROWSERS = ("ann", "ann", "ben", "cid", "dee")  # ann is signed in on two browsers
ALL_NAMES = [name for names in NAMES.values() for name in names] + ["nobody"]
WORDS = ["garden", "rain", "tea", "walk", "river", "bread", "window", "music"]
SENTENCES = [
    "the weather in the garden is lovely today and the birds are singing",
    "hoy el tiempo en el jardín es precioso y los pájaros cantan",
]
bodies = st.one_of(
    st.lists(st.sampled_from(WORDS + [f"@{name}" for name in ALL_NAMES]), min_size=1, max_size=4).map(" ".join),
    st.sampled_from(SENTENCES),
    st.tuples(st.sampled_from(SENTENCES), st.sampled_from(ALL_NAMES)).map(lambda p: f"{p[0]} @{p[1]}"),
)
EDITS = ["new", "same", "there and back"]  # an edit's new text: another, the same again, another then the first again
browsers = st.integers(0, len(BROWSERS) - 1)
people = st.sampled_from(sorted(NAMES))
PAGES = ["/index", "/explore", "/messages", "/activity", "/user/{name}", "/messages/{name}", "/search?q={word}",
         "/post/{pick}", "/index?page=2", "/explore?page=2", "/user/{name}?page=2", "/messages?page=2"]  # fmt: skip
looks = st.tuples(
    browsers, st.sampled_from(PAGES), people, st.sampled_from(WORDS + ALL_NAMES), st.integers(1, 30), st.booleans()
)


def step(**strategies):
    """A rule, then someone looks at a page (`then`: who, which page, as htmx or not)."""

    def decorate(act):
        @functools.wraps(act)
        def run(self, then, **drawn):
            act(self, **drawn)
            self.looks(*then)

        return rule(then=looks, **strategies)(run)

    return decorate


LIST_PAGES = ("/index", "/explore", "/search", "/user")  # where a block hides the other side's posts
SEEN: dict[str, int] = {}  # what the run checked, summed over its examples (the test asserts it did something)


def tally(what: str, n: int = 1) -> None:
    SEEN[what] = SEEN.get(what, 0) + n


class Browser:
    def __init__(self, app, person: str):
        self.person, self.client = person, app.test_client()
        self.actor = actor(self.client, person)
        self.language = "en"


class FragmentFuzz(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = tempfile.mkdtemp(dir=files_folder())
        url = "sqlite:///" + os.path.join(self.folder, "test.db")
        self.app = make_app(
            url,
            WTF_CSRF_ENABLED=True,
            RATELIMIT_ENABLED=False,
            POSTS_PER_PAGE=3,
            MESSAGES_PER_PAGE=3,
            THREAD_MESSAGES_PER_PAGE=3,
            TRANSLATOR_URL="http://127.0.0.1:9",  # never asked: its Translate control is in the key
            # on (as in every test): a kept fragment that differs from a fresh render raises FragmentMismatch;
            # FRAGMENT_FUZZ_CHECK=0 leaves the checks against the database alone to find stale markup
            FRAGMENT_CACHE_CHECK=os.environ.get("FRAGMENT_FUZZ_CHECK") != "0",
        )
        self.running = running(self.app)
        self.running.__enter__()
        self.ids = {person: make_user(person).id for person in NAMES}
        self.browsers = [Browser(self.app, person) for person in BROWSERS]
        for browser in self.browsers:
            assert browser.actor.signs_in().status == 303
        self.steps = 0
        self.serializer = URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token")

    def teardown(self):
        store = self.app.extensions["fragments"]
        tally("examples")
        tally("hits", store.hits)
        tally("misses", store.misses)
        self.running.__exit__(None, None, None)
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(bodies=st.lists(bodies, min_size=8, max_size=8))
    def everyone_writes(self, bodies):
        """Each person posts twice and follows the next; ann and ben, ann and cid, ben and dee talk (with the forms)."""
        people = sorted(NAMES)
        for number, person in enumerate(people):
            browser = self.browsers[BROWSERS.index(person)]
            for body in bodies[2 * number : 2 * number + 2]:
                self.posts(browser, self.opens(browser, "/index").submits("#post-form", post=body))
            follow = people[(number + 1) % len(people)]
            self.posts(browser, self.opens(browser, f"/user/{follow}").submits('form[action^="/follow/"]'))
        for sender, recipient, body in [("ann", "ben", "lunch?"), ("ben", "ann", "yes @cid"), ("ann", "cid", "hi"),
                                        ("cid", "ann", "hello"), ("dee", "ben", "tea"), ("ben", "dee", "rain")]:  # fmt: skip
            browser = self.browsers[BROWSERS.index(sender)]
            self.posts(browser, self.opens(browser, f"/messages/{recipient}").submits("#message-form", message=body))

    # -- who is who, from the database ---------------------------------------------------------------------
    def user(self, person: str) -> User:
        return db.session.get(User, self.ids[person])

    def alive(self, index: int) -> Browser | None:
        browser = self.browsers[index]
        return None if self.user(browser.person).is_deleted else browser

    def name(self, person: str) -> str:
        return self.user(person).username

    def blocked_between(self, a: int, b: int) -> bool:
        pairs = sa.tuple_(Block.blocker_id, Block.blocked_id).in_([(a, b), (b, a)])
        return db.session.scalar(sa.select(sa.func.count()).select_from(Block).where(pairs)) > 0

    # -- what every answer must show ------------------------------------------------------------------------
    def look(self, browser: Browser, seen, allowed=(200,), where: str | None = None):
        """Check an answer as its reader would: the status, then everything in it against the database."""
        tally("answers")
        assert seen.status in allowed, f"{seen.url}: {seen.status}"
        if seen.status >= 300 or "text/html" not in (seen.response.content_type or ""):
            return seen
        db.session.expire_all()
        me = self.user(browser.person)
        soup = seen.soup
        with (
            self.app.test_request_context(headers={"Accept-Language": browser.language}),
            force_locale(browser.language),
        ):
            html = soup.find("html")
            if html is not None:
                assert html["lang"] == browser.language, seen.url
                signed_in = soup.find("form", action="/auth/logout") is not None
                scheme = me.theme if signed_in and me.theme in ("light", "dark") else None
                assert html.get("data-bs-theme") == scheme
            self.check_tokens(browser, seen)
            self.check_navbar(me, soup)
            listing = where or seen.url.split("?")[0]
            for article in soup.find_all("article", id=re.compile(r"^post-\d+$")):
                self.check_post(me, browser, article, listing)
                tally("posts")
            for article in soup.find_all("article", id=re.compile(r"^message-\d+$")):
                self.check_message(me, article)
                tally("messages")
            for row in soup.find_all("li", id=re.compile(r"^conversation-\d+$")):
                self.check_row(me, row)
                tally("conversation rows")
        return seen

    def check_tokens(self, browser: Browser, seen):
        with browser.client.session_transaction() as session:
            raw = session.get("csrf_token")
        tokens = [field["value"] for field in seen.soup.find_all("input", attrs={"name": "csrf_token"})]
        body = seen.soup.find("body")
        if body is not None and body.get("hx-headers"):
            tokens.append(json.loads(body["hx-headers"])["X-CSRFToken"])
        for token in tokens:
            try:
                session_token = self.serializer.loads(token)
            except BadSignature:
                session_token = None
            assert session_token == raw, f"{seen.url}: a CSRF token not of this session: {token!r}"

    def check_navbar(self, me: User, soup):
        menu = soup.find(id="site-menu")
        if menu is None or menu.find("form", action="/auth/logout") is None:  # no navbar, or signed out
            return
        profile = menu.select_one(".site-menu-account a.nav-link")
        assert profile["href"] == f"/user/{me.username}" and text(profile) == gettext("Profile")
        badge = soup.select_one("#message-count .badge")
        assert text(badge) == str(truth.badge(db.session, me.id)), "the navbar's message count"
        assert text(soup.select_one("#activity-count .badge")) == str(truth.activity(db.session, me.id))

    def check_post(self, me: User, browser: Browser, article, listing: str):
        post_id = int(article["id"].split("-")[1])
        post = db.session.get(Post, post_id)
        assert post is not None, f"post {post_id} is deleted but shown"
        author = db.session.get(User, post.user_id)
        name = article.find("a", class_="fw-semibold")
        assert text(name) == author.username and name["href"] == f"/user/{author.username}"
        assert article.find("img")["src"] == f"/avatar/{author.username}.svg?s=48"
        body = article.select_one(".body-text")
        assert body.get_text() == post.body, f"post {post_id}: old text"
        assert body.get("lang") == post.language
        linked = [a["href"].removeprefix("/user/") for a in body.find_all("a", class_="mention")]
        for target in linked:
            user = db.session.scalar(sa.select(User).where(User.username == target))
            assert user is not None and not user.is_deleted, f"post {post_id} links @{target}"
        edited = article.select_one(".post-edited")
        assert (edited is not None) == (post.edited_at is not None)
        if edited is not None:
            assert text(edited) == gettext("edited")
        on_delete_page = listing.endswith("/delete")
        mine = post.user_id == me.id and not on_delete_page
        editable = mine and utcnow() - post.timestamp < EDIT_WINDOW
        edit = article.find(id=f"edit-post-{post_id}")
        assert (edit is not None) == editable, f"post {post_id}: Edit for {me.username}"
        if edit is not None:
            assert text(edit) == f"{gettext('Edit')} {gettext('this post')}"
        assert (article.find(id=f"delete-post-{post_id}") is not None) == mine
        translatable = bool(post.language) and post.language.split("-")[0] != browser.language
        assert (article.find(id=f"translate-{post_id}") is not None) == (translatable and not on_delete_page)
        if any(listing.startswith(page) for page in LIST_PAGES):
            assert not self.blocked_between(me.id, post.user_id), f"{listing}: post {post_id} across a block"

    def check_message(self, me: User, article):
        message_id = int(article["id"].split("-")[1])
        message = db.session.get(Message, message_id)
        if "message-editing" in article["class"]:  # its edit form (not kept)
            assert message.sender_id == me.id
            return
        assert message is not None and me.id in (message.sender_id, message.recipient_id)
        hidden = db.session.get(Hidden, (me.id, message_id))
        assert hidden is None, f"message {message_id} deleted for me but shown"
        mine = message.sender_id == me.id
        assert ("message-mine" in article["class"]) == mine
        other = db.session.get(User, message.recipient_id if mine else message.sender_id)
        meta = article.find(class_="message-meta")
        assert text(meta.find(class_="fw-semibold")) == (gettext("You") if mine else other.display_name)
        edited = meta.find(class_="message-edited")
        assert (edited is not None) == (message.edited_at is not None and not message.unsent)
        if message.unsent:
            assert text(article.find(class_="message-unsent")) == gettext("This message was deleted")
            assert article.find(class_="body-text") is None and article.find(class_="message-reactions") is None
            return
        assert article.find(class_="body-text").get_text() == message.body, f"message {message_id}: old text"
        rows = db.session.execute(sa.select(Reaction.name, Reaction.user_id).where(Reaction.message_id == message_id))
        expected: dict[str, list] = {}
        for name, user_id in rows:
            expected.setdefault(name, [0, False])
            expected[name][0] += 1
            expected[name][1] |= user_id == me.id
        shown = article.find(class_="message-reactions")
        labels = {"like": "Like", "love": "Love", "laugh": "Laugh", "wow": "Wow", "sad": "Sad", "thanks": "Thanks"}
        wanted = set()
        for name, (count, by_me) in expected.items():
            said = ngettext(
                "%(num)d reaction: %(name)s", "%(num)d reactions: %(name)s", count, name=gettext(labels[name])
            )
            wanted.add(said + (f" ({gettext('yours')})" if by_me else ""))
        got = {text(li.find(class_="visually-hidden")) for li in shown.find_all("li")} if shown else set()
        assert got == wanted, f"message {message_id}: reactions"

    def check_row(self, me: User, row):
        conversation_id = int(row["id"].split("-")[1])
        member = db.session.get(Member, (conversation_id, me.id))
        assert member is not None
        other = db.session.get(User, member.other_id)
        link = row.find(id=f"conversation-link-{conversation_id}")
        assert text(link) == other.display_name and link["href"] == f"/messages/{other.username}"
        unread = truth.unread_by_conversation(db.session, me.id).get(other.id, 0)
        said = ngettext("%(num)d unread message", "%(num)d unread messages", unread) if unread else None
        assert (said in text(row)) if said else "conversation-unread" not in row["class"], f"row {conversation_id}"
        assert (row.find(class_="conversation-muted") is not None) == member.muted
        last = db.session.get(Message, member.last_message_id)
        shown = gettext("This message was deleted") if last.unsent else preview(last.body)
        if last.sender_id == me.id:
            shown = gettext("You: %(text)s", text=shown)
        assert text(row.find(class_="conversation-preview")) == shown, f"row {conversation_id}"

    # -- what people do ---------------------------------------------------------------------------------------
    def opens(self, browser: Browser, url: str, htmx: bool = False, allowed=(200,)):
        headers = {"HX-Request": "true"} if htmx else {}
        tally("GET " + url.split("?")[0].rsplit("/", 1)[0] if url.count("/") > 1 else "GET " + url.split("?")[0])
        return self.look(browser, browser.actor.opens(url, **headers), allowed)

    def posts(self, browser: Browser, seen, also=()):
        """The answer to a form: a page or fragment, or a redirect (303; HX-Redirect for htmx) that the
        browser follows."""
        self.look(browser, seen, (200, 204, 303, *also))
        after = seen
        if after.headers.get("HX-Redirect"):
            after = self.look(browser, browser.actor.opens(after.headers["HX-Redirect"]), (200, 302))
        while after.status in (302, 303):  # signed out (a deleted account): on to the sign-in page
            after = self.look(browser, after.follows_redirect(), (200, 302))
        return seen

    def looks(self, index: int, page: str, person: str, word: str, pick: int, htmx: bool):
        """Someone opens a page (after every step: every page and every reader, as a page and as htmx, follows
        every change)."""
        self.steps += 1
        browser = self.alive(index)
        if browser is None:
            return
        name = self.name(person)
        if page == "/messages/{name}" and browser.person == person:
            page = "/messages"
        url = page.format(name=name, word=word, pick=pick)
        missing = (
            ("{name}" in page and self.user(person).is_deleted)
            or ("{pick}" in page and db.session.get(Post, pick) is None)
            or "page=2" in url  # past the last page
        )
        self.opens(browser, url, htmx, allowed=(200, 404) if missing else (200,))

    @step(index=browsers, language=st.sampled_from(["en", "es"]))
    def switch_language(self, index, language):
        self.browsers[index].language = language
        self.browsers[index].actor.speaks(language)

    def both_look(self, browser: Browser, person: str):
        """After a change to a conversation, each side opens their conversation list and the thread."""
        for reader, other in ((browser.person, person), (person, browser.person)):
            seen_by = self.alive(BROWSERS.index(reader))
            if seen_by is not None:
                self.opens(seen_by, "/messages")
                gone = self.user(other).is_deleted
                self.opens(seen_by, f"/messages/{self.name(other)}", allowed=(200, 404) if gone else (200,))

    def older(self, browser: Browser, seen, htmx: bool, pages: int, link: str = ".page-link[rel=next]"):
        """Click `link` ("Older", "Earlier messages", a list's poll) up to `pages` times, as a link or as htmx."""
        for _ in range(pages):
            if seen.status != 200 or seen.soup.select_one(link) is None:
                return
            polled = "poller" in link  # nothing new: 204
            seen = self.look(
                browser, (seen.with_htmx() if htmx else seen).follows_link(link), (200, 204) if polled else (200,)
            )

    @step(
        index=browsers,
        page=st.sampled_from(["/index", "/explore", "/messages", "/messages", "/activity"]),
        htmx=st.booleans(),
        older=st.integers(0, 2),
        poll=st.booleans(),
    )
    def open_page(self, index, page, htmx, older, poll):
        if browser := self.alive(index):
            seen = self.opens(browser, page, htmx)
            if poll:  # the conversation list's own refresh (htmx, with what it shows)
                self.older(browser, seen, True, 1, "#conversation-list-poller")
            self.older(browser, seen, htmx, older)

    @step(index=browsers, person=people, htmx=st.booleans(), earlier=st.integers(0, 3), poll=st.booleans())
    def open_thread(self, index, person, htmx, earlier, poll):
        browser = self.alive(index)
        if browser is None or browser.person == person:
            return
        gone = self.user(person).is_deleted
        seen = self.opens(browser, f"/messages/{self.name(person)}", allowed=(200, 404) if gone else (200,))
        if poll:  # the thread's poll: what changed since the page, out-of-band
            self.older(browser, seen, True, 1, "#thread-poller")
        self.older(browser, seen, htmx, earlier, "#earlier-messages")

    @step(index=browsers, body=bodies, htmx=st.booleans())
    def write_post(self, index, body, htmx):
        if browser := self.alive(index):
            home = self.opens(browser, "/index")
            self.posts(browser, (home.with_htmx() if htmx else home).submits("#post-form", post=body))

    def my_post(self, browser: Browser, pick: int) -> Post | None:
        mine = db.session.scalars(
            sa.select(Post).where(Post.user_id == self.ids[browser.person]).order_by(Post.id.desc())
        ).all()
        return mine[pick % len(mine)] if mine else None

    @step(index=browsers, pick=st.integers(0, 5), body=bodies, how=st.sampled_from(EDITS), htmx=st.booleans())
    def edit_post(self, index, pick, body, how, htmx):
        browser = self.alive(index)
        post = browser and self.my_post(browser, pick)
        if post is None:
            return
        post_id, before = post.id, post.body
        for text_now in {"new": [body], "same": [before], "there and back": [body, before]}[how]:
            page = self.opens(browser, f"/post/{post_id}")
            if page.soup.find(id=f"edit-post-{post_id}") is None:  # too late (look() checked that it is)
                return
            form = self.look(browser, page.follows_link(f"#edit-post-{post_id}"))
            tally("post edits")
            self.posts(browser, (form.with_htmx() if htmx else form).submits("#post-edit-form", post=text_now))

    @step(index=browsers, pick=st.integers(0, 5), how=st.sampled_from(["htmx", "confirmed", "cancelled"]))
    def delete_post(self, index, pick, how):
        browser = self.alive(index)
        post = browser and self.my_post(browser, pick)
        if post is None:
            return
        post_id = post.id
        page = self.opens(browser, f"/user/{self.name(browser.person)}")
        if page.soup.find(id=f"delete-post-{post_id}") is None:  # not on the profile's first page
            page = self.opens(browser, f"/post/{post_id}")
        if how == "htmx":  # htmx asked first (hx-confirm)
            self.posts(browser, page.with_htmx().submits(f"#delete-post-{post_id}"))
        else:  # without JavaScript: "Delete this post?", a page of its own that shows the post without controls
            asked = self.look(browser, page.submits(f"#delete-post-{post_id}"), (303,))
            confirm = self.look(browser, asked.follows_redirect(), where=f"/post/{post_id}/delete")
            if how == "cancelled":
                self.look(browser, confirm.follows_link("#delete-post-confirm a"))
                other = self.alive((index + 2) % len(self.browsers))  # someone else reads it, with its controls
                if other is not None:
                    self.opens(other, f"/post/{post_id}")
                return
            self.posts(browser, confirm.submits("#delete-post-confirm"))
        assert db.session.get(Post, post_id) is None

    @step(table=st.sampled_from([Post, Message]), pick=st.integers(0, 40), minutes=st.sampled_from([16, 60 * 24]))
    def time_passes(self, table, pick, minutes):
        """Time passes for one post or message (its edit window closes; its relative time moves), then its
        author and someone else look at it."""
        ids = db.session.scalars(sa.select(table.id).order_by(table.id)).all()
        if not ids:
            return
        item = db.session.get(table, ids[pick % len(ids)])
        item.timestamp = utcnow() - timedelta(minutes=minutes)
        author = next(
            person
            for person, user_id in self.ids.items()
            if user_id == (item.user_id if table is Post else item.sender_id)
        )
        other = sorted(NAMES)[(sorted(NAMES).index(author) + 1 + pick) % len(NAMES)]
        url = f"/post/{item.id}"
        db.session.commit()
        for person in (author, other):
            browser = self.alive(BROWSERS.index(person))
            if browser is None:
                continue
            if table is Post:
                self.opens(browser, url)
            elif person == author:
                self.both_look(browser, next(p for p, i in self.ids.items() if i == item.recipient_id))

    @step(
        index=browsers, person=people, button=st.sampled_from(["#follow-button", "#block-button"]), htmx=st.booleans()
    )
    def follow_or_block(self, index, person, button, htmx):
        browser = self.alive(index)
        if browser is None or browser.person == person or self.user(person).is_deleted:
            return
        profile = self.opens(browser, f"/user/{self.name(person)}")
        if profile.soup.select_one(button) is None:  # no Follow across a block
            assert button == "#follow-button" and self.blocked_between(self.ids[browser.person], self.ids[person])
            return
        form = profile.soup.select_one(button).find_parent("form")
        selector = f'form[action="{form["action"]}"]'
        self.posts(browser, (profile.with_htmx() if htmx else profile).submits(selector))

    @step(index=browsers, person=people, body=bodies, again=st.none() | bodies, htmx=st.booleans())
    def send_message(self, index, person, body, again, htmx):
        browser = self.alive(index)
        if browser is None or browser.person == person or self.user(person).is_deleted:
            return
        thread = self.opens(browser, f"/messages/{self.name(person)}")
        if thread.soup.find(id="message-form") is None:  # refused (a block): told so instead of the form
            assert self.blocked_between(self.ids[browser.person], self.ids[person])
            return
        answer = (thread.with_htmx() if htmx else thread).submits("#message-form", message=body)
        self.posts(browser, answer)
        if again:  # a second one after it (the list's row: the same sender, a new text)
            self.opens(browser, "/messages")
            thread = self.opens(browser, f"/messages/{self.name(person)}")
            self.posts(browser, thread.submits("#message-form", message=again))
        self.both_look(browser, person)

    def actions(self, index: int, person: str, pick: int, htmx: bool, mine: bool = False, message_id=None):
        """A message's actions opened from the thread with `person` (one of mine with `mine`), or None."""
        browser = self.alive(index)
        if browser is None or browser.person == person:
            return None, None
        thread = self.opens(browser, f"/messages/{self.name(person)}", allowed=(200, 404))
        shown = thread.soup.find_all("a", class_="message-actions-link")
        if mine:
            shown = [link for link in shown if "message-mine" in link.find_parent("article")["class"]]
        if message_id is not None:
            shown = [link for link in shown if link["id"] == f"message-actions-link-{message_id}"]
        if thread.status != 200 or not shown:
            return None, None
        link = shown[pick % len(shown)]
        actions = self.look(browser, (thread.with_htmx() if htmx else thread).follows_link(f"#{link['id']}"))
        return browser, actions.with_htmx() if htmx else actions

    @step(
        index=browsers,
        person=people,
        pick=st.integers(0, 2),
        reaction=st.sampled_from(["like", "laugh"]),
        answer=st.none() | st.sampled_from(["like", "love"]),
        htmx=st.booleans(),
    )
    def react(self, index, person, pick, reaction, answer, htmx):
        """React to a message (the same again takes it back; another replaces it); the other side may react to
        it too (`answer`)."""
        browser, actions = self.actions(index, person, pick, htmx)
        if actions is None or not actions.soup.select_one('form[action$="/react"]'):
            return
        tally("reactions")
        message_id = int(actions.soup.select_one('form[action$="/react"]')["action"].split("/")[-2])
        self.posts(browser, actions.submits('form[action$="/react"]', reaction=reaction))
        self.both_look(browser, person)
        other = self.alive(BROWSERS.index(person))
        if answer is None or other is None:
            return
        _, theirs = self.actions(BROWSERS.index(person), browser.person, 0, htmx, message_id=message_id)
        if theirs is not None and theirs.soup.select_one('form[action$="/react"]'):
            tally("reactions")
            self.posts(other, theirs.submits('form[action$="/react"]', reaction=answer))
            self.both_look(browser, person)

    @step(index=browsers, person=people, pick=st.integers(0, 2), htmx=st.booleans())
    def unsend_or_delete_for_me(self, index, person, pick, htmx):
        """Unsend one of mine, or delete one of theirs for me."""
        browser, actions = self.actions(index, person, pick, htmx)
        if actions is None:
            return
        form = actions.soup.select_one('form[action$="/unsend"]') or actions.soup.select_one('form[action$="/hide"]')
        tally("unsends" if form["action"].endswith("/unsend") else "deleted for me")
        self.posts(browser, actions.submits(f'form[action="{form["action"]}"]'))
        self.both_look(browser, person)

    @step(
        index=browsers,
        person=people,
        pick=st.integers(0, 2),
        body=bodies,
        how=st.sampled_from(EDITS),
        htmx=st.booleans(),
    )
    def edit_message(self, index, person, pick, body, how, htmx):
        """Edit one of my messages (within its window): to new text, the same text, or there and back."""
        browser, actions = self.actions(index, person, pick, htmx, mine=True)
        edit = actions and actions.soup.find("a", href=re.compile(r"/edit$"))
        if not edit:
            return
        before = db.session.get(Message, int(edit["href"].split("/")[-2])).body
        tally("message edits")
        for text_now in {"new": [body], "same": [before], "there and back": [body, before]}[how]:
            form = self.look(browser, browser.actor.opens(edit["href"], **({"HX-Request": "true"} if htmx else {})))
            self.posts(browser, (form.with_htmx() if htmx else form).submits('form[action$="/edit"]', message=text_now))
        self.both_look(browser, person)

    @step(index=browsers, person=people, htmx=st.booleans())
    def mute(self, index, person, htmx):
        browser = self.alive(index)
        if browser is None or browser.person == person:
            return
        thread = self.opens(browser, f"/messages/{self.name(person)}", allowed=(200, 404))
        if thread.status == 200 and thread.soup.find(id="mute-form"):
            self.posts(browser, (thread.with_htmx() if htmx else thread).submits("#mute-form"))
            self.both_look(browser, person)

    @step(index=browsers, which=st.integers(0, 1))
    def rename(self, index, which):
        if browser := self.alive(index):
            form = self.opens(browser, "/settings/profile")
            self.posts(browser, form.submits("#profile-form", username=NAMES[browser.person][which]), also=(422,))

    @step(index=browsers, theme=st.sampled_from(["system", "light", "dark"]))
    def switch_theme(self, index, theme):
        if browser := self.alive(index):
            form = self.opens(browser, "/appearance")
            assert self.posts(browser, form.submits("#appearance-form", theme=theme)).status == 303

    @precondition(lambda self: self.steps >= 10 and not self.user("dee").is_deleted)
    @step()
    def dee_deletes_her_account(self):
        """Late in a run (her messages stay, as from "Deleted account"; her posts and mentions go)."""
        browser = self.alive(BROWSERS.index("dee"))
        if browser is not None:
            form = self.opens(browser, "/settings/delete")
            assert self.posts(browser, form.submits("#delete-account-form", password=PASSWORD)).status == 303
            assert self.user("dee").is_deleted


FUZZ = settings(
    max_examples=int(os.environ.get("FRAGMENT_FUZZ_EXAMPLES", 15)),
    stateful_step_count=int(os.environ.get("FRAGMENT_FUZZ_STEPS", 30)),
    derandomize=os.environ.get("FRAGMENT_FUZZ_RANDOM") != "1",  # CI: the same sequences every run
    deadline=None,
    database=None,
    phases=tuple(Phase) if os.environ.get("FRAGMENT_FUZZ_SHRINK") != "0" else (Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.slow  # ~27 s on one core: `make test` and CI run it, the quick loop does not
def test_random_sequences_of_what_people_do_never_show_stale_markup():
    SEEN.clear()
    run_state_machine_as_test(FragmentFuzz, settings=FUZZ)
    print("fragment fuzz:", ", ".join(f"{n} {what}" for what, n in SEEN.items()))
    assert SEEN["hits"] > 100 and SEEN["posts"] > 100 and SEEN["messages"] > 50 and SEEN["conversation rows"] > 20
