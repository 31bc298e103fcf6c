"""What each page a signed-in user opens costs in SQL statements: counted, never timed (issue 27 item 3).

For every page, the same request with a short list and with a long one (more posts, conversations, messages,
reactions, events, people, blocked users): the number of statements must be the same, and the number pinned
here. A list that makes a query per item (an N+1: a lazy load, a check per row in the template) fails its
page's test; the last test shows that it does, by making one. The bench holds the speed; this holds the shape.
"""

import pytest
import sqlalchemy as sa

from microblog.activity.models import Activity
from microblog.extensions import db
from microblog.messages.models import Reaction
from tests.conftest import HTMX, make_post, make_user, send


FOLLOW, MENTION = "follow", "mention"  # the activity kinds
# Follows and blocks as rows of their tables: the models and helpers that write them move between modules,
# and this test needs only the rows.


def block(blocker_id: int, blocked_id: int) -> None:
    db.session.execute(db.metadata.tables["block"].insert().values(blocker_id=blocker_id, blocked_id=blocked_id))


def follow(follower, followed) -> None:
    db.session.execute(
        db.metadata.tables["followers"].insert().values(follower_id=follower.id, followed_id=followed.id)
    )


def people(prefix: str, numbers) -> list:
    return [make_user(f"{prefix}{i}") for i in numbers]


# page -> (url, htmx?, grow(alice, bob, numbers): adds list items numbered `numbers`)
def grow_timeline(alice, bob, numbers):
    for author in people("poster", numbers):
        follow(alice, author)
        make_post(author, f"a post about htmx and polls, @alice {author.username}")
    db.session.commit()


def grow_posts_of_bob(alice, bob, numbers):
    for i in numbers:
        make_post(bob, f"bob's post {i} about htmx polls, to @alice")  # mentions: one statement for all


def grow_conversations(alice, bob, numbers):
    for other in people("writer", numbers):
        send(other, alice, f"hello from {other.username}")
        send(alice, other, "hi back")


def grow_thread(alice, bob, numbers):
    for i in numbers:
        theirs, mine = send(bob, alice, f"message {i}"), send(alice, bob, f"reply {i} https://example.com @bob")
        db.session.add_all(
            [
                Reaction(message_id=theirs.id, user_id=alice.id, name="like"),
                Reaction(message_id=mine.id, user_id=bob.id, name="love"),
            ]
        )
        db.session.commit()


def grow_activity(alice, bob, numbers):
    for other in people("fan", numbers):
        follow(other, alice)
        post = make_post(other, f"hey @alice from {other.username}")
        db.session.add_all(
            [
                Activity(user_id=alice.id, actor_id=other.id, kind=FOLLOW),
                Activity(user_id=alice.id, actor_id=other.id, kind=MENTION, post_id=post.id),
            ]
        )
    db.session.commit()


def grow_blocked(alice, bob, numbers):
    for pest in people("pest", numbers):
        block(alice.id, pest.id)
    db.session.commit()


def grow_people(alice, bob, numbers):
    for other in people("user", numbers):
        if int(other.username[4:]) % 2:
            follow(other, alice)
        if int(other.username[4:]) % 3 == 0:
            block(other.id, alice.id)
    db.session.commit()


def grow_nothing(alice, bob, numbers):
    grow_conversations(alice, bob, numbers)  # a page that shows no list must not grow with the data either


PAGES = {
    # name: (url, htmx, grow, statements pinned)
    "index": ("/index", False, grow_timeline, 3),
    "explore": ("/explore", False, grow_timeline, 3),
    "profile": ("/user/bob", False, grow_posts_of_bob, 4),
    "post": ("/post/{post}", False, grow_posts_of_bob, 3),
    "conversations": ("/messages", False, grow_conversations, 2),
    "conversations, the list alone": ("/messages?page=1", True, grow_conversations, 2),
    "thread": ("/messages/bob", False, grow_thread, 4),
    "thread, earlier": ("/messages/bob?before={before}", True, grow_thread, 4),
    "activity": ("/activity", False, grow_activity, 2),
    "search": ("/search?q=htmx", False, grow_timeline, 3),
    "search, messages": ("/search?q=message&tab=messages", False, grow_thread, 2),
    "settings": ("/settings/profile", False, grow_nothing, 1),
    "privacy settings": ("/settings/privacy", False, grow_nothing, 1),
    "account settings": ("/settings/account", False, grow_nothing, 1),
    "blocked people": ("/settings/blocked", False, grow_blocked, 2),
    "appearance": ("/appearance", False, grow_nothing, 1),
    "new message": ("/new_message", False, grow_nothing, 1),
    "people picker": ("/new_message?q=user", True, grow_people, 2),
}


def statements_of(client, statements, url: str, htmx: bool) -> list[str]:
    """The statements of one view of `url` after a first one (which may mark something read, or touch
    last_seen: writes that happen once, not per view)."""
    headers = HTMX if htmx else {}
    assert client.get(url, headers=headers).status_code == 200, url
    with statements.recording() as log:
        assert client.get(url, headers=headers).status_code == 200, url
    return list(log.queries)


def cost_with_short_and_long_lists(client, statements, alice, bob, url, htmx, grow) -> tuple[list, list]:
    grow(alice, bob, range(0, 2))
    facts = {"post": make_post(bob, "the post on its own page @alice").id, "before": 2**31 - 1}
    short = statements_of(client, statements, url.format(**facts), htmx)
    grow(alice, bob, range(2, 14))
    long = statements_of(client, statements, url.format(**facts), htmx)
    return short, long


@pytest.mark.parametrize("name", PAGES)
def test_each_page_costs_a_fixed_number_of_statements_whatever_its_lists_length(
    name, client, alice, bob, statements, signed_in
):
    url, htmx, grow, pinned = PAGES[name]
    send(bob, alice, "the conversation exists")
    signed_in("alice", client)
    short, long = cost_with_short_and_long_lists(client, statements, alice, bob, url, htmx, grow)
    assert len(long) == len(short), f"{name}: {len(short)} statements with a short list, {len(long)} with a long one"
    assert len(long) == pinned, f"{name}: {len(long)} statements, pinned at {pinned}:\n" + "\n\n".join(long)


def test_a_query_per_item_fails_the_check(app, client, alice, bob, statements, signed_in):
    """The check above catches an N+1: here every time tag (one per post) runs a query of its own."""
    timetag = app.jinja_env.globals["timetag"]

    def timetag_with_a_query(*args, **kwargs):
        db.session.execute(sa.select(sa.literal(1)))
        return timetag(*args, **kwargs)

    app.jinja_env.globals["timetag"] = timetag_with_a_query
    try:
        signed_in("alice", client)
        short, long = cost_with_short_and_long_lists(client, statements, alice, bob, "/explore", False, grow_timeline)
    finally:
        app.jinja_env.globals["timetag"] = timetag
    # 3 posts on the short page, 10 on the long one: 7 statements more, and the test above fails
    assert len(long) - len(short) == 7
