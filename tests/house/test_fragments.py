"""The fragment cache (microblog/fragments.py): posts, messages and conversation rows rendered once per content.

Each key test renders a list (so the item's markup is kept), changes one input of that markup the way a user
does, and looks again: without that input in the key, the kept markup would show the old state. These run as
production does (FRAGMENT_CACHE_CHECK off), so what fails is what a user would see; everywhere else the tests
run with the check on, which renders every kept fragment again and raises on any difference.

Each key part is dropped in turn and some test here fails, except a search result's body (search results are
not kept) and the parts that no event changes alone (they stay in the key, being inputs): a post's target
language (its language, the locale and the app's translator), `dom_id` (no caller sets it), a message's `mine`
and a row's conversation id (the pair of people), the other's username (changes with their display name),
`unsent` (the reactions are none exactly then), and the words made once per list (`you`, `thread_url`,
`reaction_names`, `delete_label`...: the locale and the username)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from microblog import formatting
from microblog.database import utcnow
from microblog.extensions import db
from microblog.fragments import FragmentMismatch, FragmentStore, uncached
from microblog.messages.models import Message
from microblog.posts.models import Post
from tests.conftest import HTMX, PASSWORD, make_app, make_post, make_user, running, send
from tests.html import actor, text
from tests.messages.test_per_message import actions_of


def page_of(markup) -> BeautifulSoup:
    return BeautifulSoup(str(markup), "html.parser")


@pytest.fixture
def app(database_url):
    """As production runs: kept markup is served as it is (no check)."""
    with running(make_app(database_url, FRAGMENT_CACHE_CHECK=False)) as app:
        yield app


def store(app) -> FragmentStore:
    return app.extensions["fragments"]


def seen_twice(person, url: str, app):
    """Open `url` twice; the second time its items come from the store."""
    person.opens(url)
    hits = store(app).hits
    second = person.opens(url)
    assert second.status == 200 and store(app).hits > hits, "the second look should be served from the store"
    return second


def test_an_edited_post_shows_its_new_text_and_edited(app, signed_in, alice):
    me = signed_in("alice")
    post = make_post(alice, "Helo wrld")
    before = seen_twice(me, "/index", app).by_id(f"post-{post.id}")
    assert "Helo wrld" in text(before) and before.select_one(".post-edited") is None
    me.opens(f"/post/{post.id}/edit").submits("#post-edit-form", post="Hello world")
    after = me.opens("/index").by_id(f"post-{post.id}")
    assert "Hello world" in text(after) and "Helo" not in text(after)
    assert after.select_one(".post-edited") is not None


def test_a_renamed_author_shows_the_new_name_avatar_and_links(app, signed_in, alice, bob):
    post = make_post(bob, "from bob")
    me = signed_in("alice")
    article = seen_twice(me, "/explore", app).by_id(f"post-{post.id}")
    assert article.find("a", href="/user/bob")
    signed_in("bob").opens("/settings/profile").submits("#profile-form", username="robert")
    article = me.opens("/explore").by_id(f"post-{post.id}")
    assert article.find("a", href="/user/robert") and "robert" in text(article)
    assert article.find("a", href="/user/bob") is None
    assert article.find("img")["src"] == "/avatar/robert.svg?s=48"


def test_a_mention_stops_linking_once_that_account_is_deleted(app, signed_in, alice, bob):
    post = make_post(alice, "thanks @bob")
    me = signed_in("alice")
    body = seen_twice(me, "/index", app).by_id(f"post-{post.id}").select_one(".body-text")
    assert body.find("a", class_="mention")["href"] == "/user/bob"
    gone = signed_in("bob").opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    assert gone.status == 303
    body = me.opens("/index").by_id(f"post-{post.id}").select_one(".body-text")
    assert body.find("a") is None and text(body) == "thanks @bob"


def test_another_reader_does_not_get_the_authors_controls(app, signed_in, alice, bob):
    post = make_post(alice, "mine")
    mine = seen_twice(signed_in("alice"), "/explore", app).by_id(f"post-{post.id}")
    assert mine.find(id=f"edit-post-{post.id}") and mine.find(id=f"delete-post-{post.id}")
    theirs = signed_in("bob").opens("/explore").by_id(f"post-{post.id}")
    assert "mine" in text(theirs)
    assert theirs.find(id=f"edit-post-{post.id}") is None and theirs.find(id=f"delete-post-{post.id}") is None


def test_edit_goes_away_after_15_minutes_and_the_time_is_always_fresh(app, signed_in, alice):
    post = make_post(alice, "soon old")
    me = signed_in("alice")
    article = seen_twice(me, "/index", app).by_id(f"post-{post.id}")
    assert article.find(id=f"edit-post-{post.id}") and "second" in text(article.find("time"))
    db.session.execute(sa.update(Post).values(timestamp=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    article = me.opens("/index").by_id(f"post-{post.id}")
    assert article.find(id=f"edit-post-{post.id}") is None and article.find(id=f"delete-post-{post.id}")
    assert "16 minutes ago" in text(article.find("time"))


def test_the_relative_time_moves_with_the_clock_alone(app, signed_in, alice, monkeypatch):
    post = make_post(alice, "time passes")
    me = signed_in("alice")
    assert "second" in text(seen_twice(me, "/index", app).by_id(f"post-link-{post.id}"))
    later = utcnow() + timedelta(hours=3)
    monkeypatch.setattr(formatting, "utcnow", lambda: later)  # nothing in the database changed
    assert text(me.opens("/index").by_id(f"post-link-{post.id}")) == "3 hours ago"


def test_the_reader_s_language_is_part_of_the_key(app, signed_in, alice):
    post = make_post(alice, "hola")
    me = signed_in("alice")
    english = seen_twice(me, "/index", app).by_id(f"post-{post.id}")
    assert text(english.find(id=f"edit-post-{post.id}")) == "Edit this post"
    spanish = me.speaks("es").opens("/index").by_id(f"post-{post.id}")
    assert text(spanish.find(id=f"edit-post-{post.id}")) == "Editar esta publicación"
    assert spanish.find(id=f"delete-post-{post.id}")["hx-confirm"].startswith("¿")


def test_each_session_gets_its_own_csrf_token_in_kept_markup(database_url, signed_in):
    with running(make_app(database_url, WTF_CSRF_ENABLED=True, FRAGMENT_CACHE_CHECK=False)) as csrf_app:
        alice = make_user("alice")
        post = make_post(alice, "delete me")
        first = signed_in("alice", app=csrf_app)
        first.opens("/index")
        second = signed_in("alice", app=csrf_app)  # another browser: another session and token
        hits = store(csrf_app).hits
        shown = second.opens("/index")
        assert store(csrf_app).hits > hits
        token = shown.by_id(f"delete-post-{post.id}").find("input", attrs={"name": "csrf_token"})["value"]
        assert token == second.csrf_token != first.csrf_token
        # raw: the first browser's token in the second's form is refused (so a kept token would break the form)
        stale = second.client.post(f"/post/{post.id}/delete", data={"csrf_token": first.csrf_token})
        assert stale.status_code == 400
        asked = shown.submits(f"#delete-post-{post.id}")  # the form as kept and filled: accepted
        assert asked.status == 303 and asked.location == f"/post/{post.id}/delete"


def test_a_thread_shows_new_reactions_unsend_and_a_deleted_partner(app, client, signed_in, alice, bob):
    message = send(bob, alice, "Lunch?")
    thread = seen_twice(signed_in("alice", client), "/messages/bob", app)
    assert thread.by_id(f"message-{message.id}").find(class_="message-reactions") is None
    actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="like")
    shown = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}")
    assert "1 reaction: Like (yours)" in text(shown.find(class_="message-reactions"))
    # bob sees it too, without "yours"
    as_bob = signed_in("bob")
    theirs = as_bob.opens("/messages/alice").by_id(f"message-{message.id}")
    assert text(theirs.find(class_="message-reactions")).endswith("1 reaction: Like")
    assert "message-mine" in theirs["class"] and "bob" not in text(theirs.find(class_="message-meta"))
    actions_of(as_bob.opens("/messages/alice"), message.id, htmx=True).submits('form[action$="/unsend"]')
    shown = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}")
    assert text(shown.find(class_="message-unsent")) == "This message was deleted"
    assert "bob" in text(shown.find(class_="message-meta"))
    as_bob.opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    shown = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}")
    assert "Deleted account" in text(shown.find(class_="message-meta"))


def test_an_edited_message_and_the_earlier_window(app, client, signed_in, alice, bob):
    first = send(alice, bob, "typo hre")
    for number in range(21):
        send(bob, alice, f"reply {number}")
    me = signed_in("alice", client)
    earlier = me.opens("/messages/bob").by_id("earlier-messages")["href"]
    seen_twice(me, earlier, app)
    db.session.execute(sa.update(Message).where(Message.id == first.id).values(body="typo here", edited_at=utcnow()))
    db.session.commit()
    window = me.opens(earlier, **HTMX).fragment(f"#message-{first.id}")
    assert window.find(class_="body-text").get_text() == "typo here" and window.find(class_="message-edited")


def test_a_conversation_row_shows_the_new_last_message_and_count(app, client, signed_in, alice, bob):
    send(bob, alice, "first")
    me = signed_in("alice", client)
    row = seen_twice(me, "/messages", app).by_id("conversation-list").find("li")
    assert "first" in text(row) and "1 unread message" in text(row)
    send(bob, alice, "second")
    row = me.opens("/messages").by_id("conversation-list").find("li")
    assert "second" in text(row) and "2 unread messages" in text(row)
    signed_in("bob").opens("/settings/profile").submits("#profile-form", username="robert")
    row = me.opens("/messages").by_id("conversation-list").find("li")
    assert row.find("a", href="/messages/robert") and "robert" in text(row)


# -- each input alone: a stored change to one column (as a data fix or a migration would make) shows ---------------
def test_each_stored_column_of_a_post_alone_shows(app, signed_in, alice):
    same = [make_post(alice, "same words"), make_post(alice, "same words")]
    me = signed_in("alice")
    shown = seen_twice(me, "/index", app)
    for post in same:  # identical but for their ids: each keeps its own
        assert shown.by_id(f"post-link-{post.id}")["href"] == f"/post/{post.id}"
    post = same[0]
    changes = [
        ({"body": "new words"}, lambda article: "new words" in text(article)),
        ({"edited_at": utcnow()}, lambda article: article.select_one(".post-edited") is not None),
        ({"language": "es"}, lambda article: article.select_one(".body-text")["lang"] == "es"),
    ]
    for values, shows in changes:
        db.session.execute(sa.update(Post).where(Post.id == post.id).values(**values))
        db.session.commit()
        assert shows(me.opens("/index").by_id(f"post-{post.id}")), values


def test_delete_alone_tells_the_author_from_a_reader(app, signed_in, alice, bob):
    post = make_post(alice, "too late to edit")
    db.session.execute(sa.update(Post).values(timestamp=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    mine = seen_twice(signed_in("alice"), "/explore", app).by_id(f"post-{post.id}")
    assert mine.find(id=f"edit-post-{post.id}") is None and mine.find(id=f"delete-post-{post.id}")
    theirs = signed_in("bob").opens("/explore").by_id(f"post-{post.id}")
    assert theirs.find(id=f"delete-post-{post.id}") is None


def test_a_search_result_is_kept_once_per_post_and_highlights_each_search_s_own_words(app, signed_in, alice):
    post = make_post(alice, "alpha beta")
    me = signed_in("alice")
    kept = len(store(app).entries)
    for words in ("alpha", "beta", "alpha", "alpha beta"):
        marked = me.opens(f"/search?q={words.replace(' ', '+')}").by_id(f"post-{post.id}").find_all("mark")
        assert [text(mark) for mark in marked] == words.split()
    # One entry for the post, whatever the words: its highlighted body is a slot, never kept.
    assert len(store(app).entries) == kept + 1
    assert len(held(app, post)) == 1 and "<mark>" not in held(app, post)[0] and "alpha beta" not in held(app, post)[0]
    index = me.opens("/index").by_id(f"post-{post.id}")  # a list keeps its own: the body linkified, no marks
    assert text(index.find(class_="body-text")) == "alpha beta" and index.find("mark") is None
    assert len(held(app, post)) == 2


def held(app, post) -> list[str]:
    """The kept markups of `post`."""
    return [
        "".join(parts) for parts, _weight in store(app).entries.values() if f'id="post-{post.id}"' in "".join(parts)
    ]


def test_each_stored_column_of_a_message_alone_shows(app, client, signed_in, alice, bob):
    same = [send(bob, alice, "same words"), send(bob, alice, "same words")]
    me = signed_in("alice", client)
    shown = seen_twice(me, "/messages/bob", app)
    for message in same:  # identical but for their ids: each keeps its own
        assert shown.by_id(f"message-actions-link-{message.id}")["href"].endswith(f"/{message.id}/actions")
    message = same[0]
    changes = [
        ({"body": "new words"}, lambda article: "new words" in text(article)),
        ({"edited_at": utcnow()}, lambda article: article.find(class_="message-edited") is not None),
        ({"unsent": True}, lambda article: article.find(class_="message-unsent") is not None),
    ]
    for values, shows in changes:
        db.session.execute(sa.update(Message).where(Message.id == message.id).values(**values))
        db.session.commit()
        assert shows(me.opens("/messages/bob").by_id(f"message-{message.id}")), values


def test_a_changed_reaction_and_a_mention_of_a_deleted_account_in_a_thread(app, client, signed_in, alice, bob):
    carol = make_user("carol")
    message = send(bob, alice, "ask @carol")
    thread = seen_twice(signed_in("alice", client), "/messages/bob", app)
    assert thread.by_id(f"message-{message.id}").find("a", class_="mention")["href"] == "/user/carol"
    actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="like")
    actor(client, "alice").opens("/messages/bob")  # kept with "Like"
    actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="laugh")
    shown = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}")
    assert text(shown.find(class_="message-reactions")).endswith("1 reaction: Laugh (yours)")
    signed_in("carol").opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    assert db.session.get(type(carol), carol.id).is_deleted
    shown = actor(client, "alice").opens("/messages/bob").by_id(f"message-{message.id}")
    assert shown.find("a", class_="mention") is None and "ask @carol" in text(shown)


def test_the_actions_page_and_the_poll_keep_their_own_shape(app, client, signed_in, alice, bob):
    message = send(bob, alice, "Lunch?")
    thread = signed_in("alice", client).opens("/messages/bob")
    poll = thread.by_id("thread-poller")["hx-get"]
    # The actions page shows the message without its "Actions" link (it is that page)...
    page_of_actions = actions_of(thread, message.id)
    assert page_of_actions.page().find(id=f"message-actions-link-{message.id}") is None
    # ...and the htmx answer to a react, toggled back to the same reactions, shows it again.
    actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="like")
    again = actions_of(thread, message.id, htmx=True).submits('form[action$="/react"]', reaction="like")
    answered = again.fragment(f"#message-{message.id}")
    assert answered.find(id=f"message-actions-link-{message.id}") and not answered.has_attr("hx-swap-oob")
    # The same message from the poll goes out-of-band, the answer above did not.
    polled = client.get(poll, headers=HTMX)
    assert polled.status_code == 200
    changed = re.search(rf'<article id="message-{message.id}"[^>]*>', polled.get_data(as_text=True)).group(0)
    assert 'hx-swap-oob="true"' in changed


def test_each_part_of_a_conversation_row_alone_shows(app, client, signed_in, alice, bob):
    send(bob, alice, "one")
    me = signed_in("alice", client)

    def row():
        return me.opens("/messages").by_id("conversation-list").find("li")

    assert "1 unread message" in text(seen_twice(me, "/messages", app).by_id("conversation-list").find("li"))
    me.opens("/messages/bob")  # read: only the count changes
    assert "unread" not in text(row()) and "one" in text(row())
    send(bob, alice, "two")
    me.opens("/messages/bob")  # read again: only the last message's text changed
    assert "two" in text(row()) and "one" not in text(row())
    send(alice, bob, "two")  # the same text, mine now
    assert text(row().find(class_="conversation-preview")) == "You: two"
    me.opens("/messages/bob").submits('form[action="/messages/bob/mute"]')
    assert row().find(class_="conversation-muted") is not None
    db.session.execute(
        sa.update(Message).where(Message.body == "two", Message.sender_id == alice.id).values(unsent=True)
    )
    db.session.commit()
    assert text(row().find(class_="conversation-preview")) == "You: This message was deleted"
    signed_in("bob").opens("/settings/delete").submits("#delete-account-form", password=PASSWORD)
    assert "Deleted account" in text(row())


def test_the_mentions_in_a_key_are_the_links_linkify_makes(app):
    from microblog.formatting import linkify, mention_targets

    for name in ("ann", "ben", "cid"):
        make_user(name)
    flood = " ".join(f"@{name}" for name in ["ann", "nobody"] * 30)  # 60 mentions: linkify looks up 50 a run
    body = f"{flood} @cid https://example.com/@ben @cid @ben"  # the first @cid is the 61st of its run: looked up
    # with the second one (as a list's preload_mentions does), it links too
    with app.test_request_context("/"):
        targets = mention_targets(body)
        linked = [a["href"].removeprefix("/user/") for a in page_of(linkify(body)).select("a.mention")]
    assert [target for target in targets if target] == linked
    assert targets[60:] == ("cid", "cid", "ben") and targets[1] is None and linked[-3:] == ["cid", "cid", "ben"]


def test_the_store_is_bounded(database_url, signed_in):
    with running(make_app(database_url, FRAGMENT_CACHE_SIZE=3)) as small:
        alice = make_user("alice")
        posts = [make_post(alice, f"post {n}") for n in range(6)]
        me = signed_in("alice", app=small)
        for _ in range(2):
            shown = me.opens("/index")
            assert [a["id"] for a in shown.page().select("#posts > article")] == [f"post-{p.id}" for p in posts[::-1]]
        assert len(store(small).entries) == 3


def test_least_recently_used_goes_first():
    kept = FragmentStore(2)
    kept.put(("a",), ["A"])
    kept.put(("b",), ["B"])
    assert kept.get(("a",)) == ["A"]  # a is used: b is now the oldest
    kept.put(("c",), ["C"])
    assert kept.get(("b",)) is None and kept.get(("a",)) == ["A"] and kept.get(("c",)) == ["C"]


def test_the_store_is_bounded_by_the_characters_it_holds_too():
    kept = FragmentStore(100, chars=60)
    kept.put(("a",), ["x" * 20])  # 21 characters with its key
    kept.put(("b",), ["y" * 20])
    assert kept.held == 42 and kept.get(("a",)) == ["x" * 20]  # a is used: b is now the oldest
    kept.put(("c" * 10,), ["z" * 20])  # 30 more: over 60, so b goes
    assert kept.get(("b",)) is None and kept.get(("a",)) and kept.get(("c" * 10,)) and kept.held == 51
    kept.put(("a",), ["x" * 25])  # kept again: counted once
    assert kept.held == 56
    kept.put(("huge",), ["w" * 100])  # alone over the budget: not kept, and the rest stays
    assert kept.get(("huge",)) is None and kept.held == 56 and len(kept.entries) == 2


def test_size_zero_turns_the_cache_off(database_url, signed_in):
    with running(make_app(database_url, FRAGMENT_CACHE_SIZE=0)) as off:
        assert off.extensions["fragments"] is None and off.jinja_env.globals["cached"] is uncached
        alice = make_user("alice")
        post = make_post(alice, "still shown")
        assert "still shown" in signed_in("alice", app=off).opens("/index").text(f"post-{post.id}")


def test_the_check_catches_an_input_missing_from_the_key(database_url):
    with running(make_app(database_url, FRAGMENT_CACHE_CHECK=True)) as checked, checked.test_request_context():
        template = checked.jinja_env.from_string("{% call(t) cached(a) %}<p>{{ a }} {{ b }} {{ t }}</p>{% endcall %}")
        assert template.render(a=1, b="x", locale="en") == "<p>1 x </p>"
        assert template.render(a=1, b="x", locale="en") == "<p>1 x </p>"  # a hit
        with pytest.raises(FragmentMismatch):
            template.render(a=1, b="y", locale="en")  # b is read but not in the key


def test_slots_are_made_each_time_and_escaped_as_the_body_would(database_url):
    with running(make_app(database_url, FRAGMENT_CACHE_CHECK=True)) as checked, checked.test_request_context():
        template = checked.jinja_env.from_string(
            "{% call(t) cached(a, t=t) %}<p>{{ a }}: {{ t }}{{ t }}</p>{% endcall %}"
        )
        assert template.render(a=1, t="<b>", locale="en") == "<p>1: &lt;b&gt;&lt;b&gt;</p>"
        assert template.render(a=1, t="now", locale="en") == "<p>1: nownow</p>"
        assert len(store(checked).entries) == 1 and store(checked).hits == 1


# -- the same bytes with and without the cache ----------------------------------------------------------------
def _masked(html: str, token: str | None) -> str:
    return html.replace(token, "TOKEN") if token else html


def _pages(person, urls):
    out = []
    for url, headers in urls:
        seen = person.opens(url, **headers)
        assert seen.status == 200, url
        token = person.csrf_token
        found = re.search(r'name="csrf_token" value="([^"]+)"', seen.html)
        out.append(_masked(_masked(seen.html, token), found.group(1) if found else None))
    return out


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_are_byte_identical_with_the_cache_on_and_off(app, client, signed_in, monkeypatch, language):
    alice, bob = make_user("alice"), make_user("bob")
    make_user("carol")
    now = utcnow()
    monkeypatch.setattr(formatting, "utcnow", lambda: now)  # the same "3 minutes ago" in both renders
    posts = [make_post(alice, "mine, see https://example.com and @bob"), make_post(bob, "@carol @nobody hi")]
    posts.append(make_post(bob, "older news"))
    db.session.execute(sa.update(Post).where(Post.id == posts[2].id).values(timestamp=now - timedelta(days=3)))
    db.session.commit()
    lines = [send(alice, bob, f"line {number}") for number in range(21)]
    message = send(bob, alice, "Lunch? @carol")
    db.session.execute(sa.update(Message).where(Message.id == lines[-2].id).values(body="fixed", edited_at=now))
    db.session.commit()
    me = signed_in("alice", client).speaks(language)
    actions_of(me.opens("/messages/bob"), message.id, htmx=True).submits('form[action$="/react"]', reaction="like")
    actions_of(me.opens("/messages/bob"), lines[-1].id, htmx=True).submits('form[action$="/unsend"]')
    earlier = me.opens("/messages/bob").by_id("earlier-messages")["href"]
    urls = [
        ("/index", {}),
        ("/explore", {}),
        ("/user/bob", {}),
        ("/user/alice", {}),
        (f"/post/{posts[0].id}", {}),
        ("/search?q=news", {}),
        ("/messages", {}),
        ("/messages/bob", {}),
        (earlier, HTMX),
    ]
    first = _pages(me, urls)  # fills the store
    hits = store(app).hits
    kept = _pages(me, urls)
    assert store(app).hits > hits
    monkeypatch.setitem(app.jinja_env.globals, "cached", uncached)
    fresh = _pages(me, urls)
    for url, a, b, c in zip(urls, first, kept, fresh, strict=True):
        assert a == b == c, url
    assert json.dumps(fresh).count("TOKEN") > 10  # the CSRF tokens were there, and masked


def test_kept_links_follow_the_mount_point_of_each_request(app, signed_in, alice):
    """Behind two proxies that mount the app at different prefixes (X-Forwarded-Prefix), each gets its own links."""
    post = make_post(alice, "mounted")
    as_alice = signed_in("alice").client  # its test client: this test sends requests by hand
    for prefix in ("/mb", "", "/mb", "/other"):
        html = as_alice.get("/index", environ_overrides={"SCRIPT_NAME": prefix}).get_data(as_text=True)
        article = page_of(html).find(id=f"post-{post.id}")
        assert article.find(id=f"post-link-{post.id}")["href"] == f"{prefix}/post/{post.id}"
        assert article.find("a", class_="fw-semibold")["href"] == f"{prefix}/user/alice"
    assert store(app).hits >= 1  # the second "/mb" page was served from the store


def test_a_pristine_form_is_kept_and_a_failed_one_shows_its_own_input_and_errors(app, signed_in, alice):
    me = signed_in("alice")
    first = seen_twice(me, "/index", app).by_id("post-form")
    assert first.find("textarea", attrs={"name": "post"}).get_text().strip() == ""
    hits = store(app).hits
    failed = me.opens("/index").submits("#post-form", post="x" * 300)  # over the length limit
    assert failed.status == 422
    form = failed.by_id("post-form")
    assert form.find("textarea", attrs={"name": "post"}).get_text().strip() == "x" * 300
    assert form.find(id="post-error") is not None
    again = me.opens("/index").by_id("post-form")  # pristine again: the kept markup, no trace of the failure
    assert store(app).hits > hits
    assert again.find(id="post-error") is None and again.find("textarea").get_text().strip() == ""


def test_a_kept_form_carries_each_sessions_own_token(csrf_app, signed_in):
    """With CSRF on, the kept post form is filled with the reader's own token, which the server accepts."""
    for name in ("alice", "bob"):
        me = signed_in(name, app=csrf_app)
        posted = me.opens("/index").submits("#post-form", post=f"hello from {name}")
        assert posted.status in (200, 303)
    assert csrf_app.extensions["fragments"].hits >= 1
    with csrf_app.app_context():
        assert {p.body for p in db.session.scalars(sa.select(Post))} == {"hello from alice", "hello from bob"}


def test_the_kept_navbar_follows_the_counts_the_name_and_the_page(app, signed_in, alice, bob):
    me = signed_in("alice")
    navbar = seen_twice(me, "/explore", app).by_id("navbar-counts")
    assert navbar.select_one("#message-count .badge").get_text() == "0"
    send(bob, alice, "news")
    assert me.opens("/explore").by_id("message-count").select_one(".badge").get_text() == "1"
    me.opens("/settings/profile").submits("#profile-form", username="alicia")
    seen = me.opens("/explore")
    profile = seen.soup.select_one(".site-menu-account a.nav-link")
    assert profile["href"] == "/user/alicia" and profile.get("aria-current") is None
    own = me.opens("/user/alicia").soup.select_one(".site-menu-account a.nav-link")
    assert own.get("aria-current") == "page"
    theirs = me.opens("/user/bob").soup.select_one(".site-menu-account a.nav-link")
    assert theirs.get("aria-current") is None
    other = signed_in("bob").opens("/explore").soup.select_one(".site-menu-account a.nav-link")
    assert other["href"] == "/user/bob"


def test_a_kept_navbar_signs_out_each_session_with_its_own_token(csrf_app, signed_in):
    for name in ("alice", "bob", "alice"):
        me = signed_in(name, app=csrf_app)
        gone = me.opens("/explore").submits('form[action="/auth/logout"]')
        assert gone.status == 303
        assert me.opens("/explore").status in (302, 303)  # signed out: sent to sign in
    assert csrf_app.extensions["fragments"].hits >= 2


def test_a_list_slot_fills_each_item_and_its_length_comes_with_the_key(database_url):
    with running(make_app(database_url, FRAGMENT_CACHE_CHECK=True)) as checked, checked.test_request_context():
        template = checked.jinja_env.from_string(
            "{% call(ts) cached(ids, ts=ts) %}{% for i in ids %}<p>{{ i }} {{ ts[loop.index0] }}</p>{% endfor %}"
            "{% endcall %}"
        )
        assert template.render(ids=(1, 2), ts=["a", "<b>"], locale="en") == "<p>1 a</p><p>2 &lt;b&gt;</p>"
        assert template.render(ids=(1, 2), ts=["c", "d"], locale="en") == "<p>1 c</p><p>2 d</p>"
        assert template.render(ids=(1, 2, 3), ts=["e", "f", "g"], locale="en") == "<p>1 e</p><p>2 f</p><p>3 g</p>"
        assert len(store(checked).entries) == 2 and store(checked).hits == 1


def test_a_kept_window_of_messages_moves_each_time_with_the_clock(app, client, signed_in, alice, bob, monkeypatch):
    first, second = send(bob, alice, "one"), send(alice, bob, "two")
    me = signed_in("alice", client)
    thread = seen_twice(me, "/messages/bob", app)
    assert all("second" in text(thread.by_id(f"message-{m.id}").find("time")) for m in (first, second))
    later = utcnow() + timedelta(hours=3)
    monkeypatch.setattr(formatting, "utcnow", lambda: later)  # nothing in the database changed
    thread = me.opens("/messages/bob")
    assert [text(thread.by_id(f"message-{m.id}").find("time")) for m in (first, second)] == ["3 hours ago"] * 2
    third = send(bob, alice, "three")  # a new window: its own key
    assert "three" in text(me.opens("/messages/bob").by_id(f"message-{third.id}"))
