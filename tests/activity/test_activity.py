"""Activity (SPEC S14): new followers and mentions, exact counts, the page, the second navbar count."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import template_rendered

from microblog.activity.models import Activity
from microblog.posts.mentions import MAX_MENTIONS, MENTION
from microblog.extensions import db
from microblog.posts.models import Post
from microblog.users.models import User
from microblog.users.relations import FOLLOW
from tests.conftest import HTMX, make_post, make_user
from tests import truth
from tests.html import actor, by_id, fragment, page, text

POLL = {**HTMX, "HX-Trigger": "message-count"}


def events(user, kind=None):
    stmt = sa.select(sa.func.count()).select_from(Activity).where(Activity.user_id == user.id)
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    return db.session.scalar(stmt)


def activity_badge(response) -> str:
    return text(fragment(response, "#activity-count").find(class_="visually-hidden"))


def test_a_follow_notifies_once_even_after_unfollow_and_follow_again(app, client, signed_in, alice, bob):
    signed_in("bob", client)
    stale = actor(client).opens("/user/alice")  # a second tab, its Follow button pressed last
    for button in ("Follow", "Unfollow", "Follow"):
        assert actor(client).opens("/user/alice").presses(button).status in (200, 303)
    assert stale.presses("Follow").status in (200, 303)
    assert events(alice, FOLLOW) == 1
    actor(client).signs_out()
    signed_in("alice", client)
    soup = page(client.get("/index"))
    assert text(by_id(soup, "activity-count").find(class_="visually-hidden")) == "1 new activity"
    assert truth.activity(db.session, alice.id) == 1


def test_idle_poll_is_204_and_a_change_answers_both_badges(app, client, signed_in, alice, bob):
    signed_in("alice", client)
    badge = by_id(page(client.get("/index")), "message-count")
    assert json.loads(badge["hx-vals"]) == {"shown": "0", "activity": "0", "title": "Home"}
    assert (
        client.get("/notifications/badge", query_string={"shown": "0", "activity": "0"}, headers=POLL).status_code
        == 204
    )
    other = app.test_client()
    signed_in("bob", other)
    assert actor(other).opens("/user/alice").presses("Follow").status == 303
    response = client.get("/notifications/badge", query_string={"shown": "0", "activity": "0"}, headers=POLL)
    assert response.status_code == 200
    message_badge = fragment(response, "#message-count")
    assert json.loads(message_badge["hx-vals"]) == {"shown": "0", "activity": "1"}
    oob = fragment(response, "#activity-count")
    assert oob["hx-swap-oob"] == "true"
    assert activity_badge(response) == "1 new activity"
    assert (
        client.get("/notifications/badge", query_string={"shown": "0", "activity": "1"}, headers=POLL).status_code
        == 204
    )


def test_idle_poll_with_both_counts_is_one_query_no_write_no_template(app, client, signed_in, alice, bob, statements):
    signed_in("bob", client)
    actor(client).opens("/user/alice").presses("Follow")
    actor(client).signs_out()
    signed_in("alice", client)
    rendered = []
    template_rendered.connect(lambda sender, template, context, **kw: rendered.append(template.name), app)
    with statements.recording() as log:
        response = client.get("/notifications/badge", query_string={"shown": "0", "activity": "1"}, headers=POLL)
    assert response.status_code == 204
    assert log.count == 1 and log.writes == [], log.queries
    assert rendered == []


def test_mentions_notify_existing_others_once_and_render_as_links(app, client, signed_in, alice, bob):
    signed_in("alice", client)
    body = "hi @bob and @BOB, @alice, @nobody, mail bob@example.com <b>x</b>"
    assert actor(client).opens("/index").submits("#post-form", post=body).status == 303
    assert events(bob, MENTION) == 1
    assert events(alice) == 0
    soup = page(client.get("/index"))
    post = soup.find("article")
    links = {a["href"]: text(a) for a in post.find_all("a", class_="mention")}
    assert links == {"/user/bob": "@BOB", "/user/alice": "@alice"}  # linked, though only bob was notified
    assert len(post.find_all("a", class_="mention")) == 3
    assert "@nobody" in text(post) and post.find("b") is None  # unknown names and markup stay text


def test_a_mention_flood_notifies_at_most_a_sane_number(app, client, signed_in, alice):
    names = [f"u{i}" for i in range(100)]
    for name in names[:30]:
        make_user(name)
    signed_in("alice", client)
    body = " ".join(f"@{n}" for n in names)[:140]
    response = actor(client).opens("/index").submits("#post-form", post=body).response
    assert response.status_code in (303, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) <= MAX_MENTIONS


def test_activity_page_groups_follows_newest_first_and_marks_read(app, client, signed_in, alice, bob):
    carol = make_user("carol")
    for name in ("bob", "carol"):
        signed_in(name, client)
        actor(client).opens("/user/alice").presses("Follow")
        actor(client).signs_out()
    signed_in("bob", client)
    actor(client).opens("/index").submits("#post-form", post="hello @alice")
    actor(client).signs_out()
    signed_in("alice", client)
    soup = page(client.get("/index"))
    assert text(by_id(soup, "activity-count").find(class_="visually-hidden")) == "3 new activities"
    assert truth.activity(db.session, alice.id) == 3
    soup = page(client.get("/activity"))
    items = by_id(soup, "activity-list").find_all("li")
    post = db.session.scalars(sa.select(Post)).one()
    # One link per row (the whole row is its target), the newest person's avatar, the time.
    assert [len(item.find_all("a")) for item in items] == [1, 1]
    assert text(items[0].find("a")) == "bob mentioned you" and items[0].find("a")["href"] == f"/post/{post.id}"
    assert "hello @alice" in text(items[0])
    assert text(items[1].find("a")) == "carol and 1 other followed you"
    assert items[1].find("a")["href"] == "/user/carol"
    assert items[1].find("img")["src"].startswith("/avatar/carol.svg")
    assert all(item.find("time")["datetime"] for item in items)
    # Viewing marked everything shown as read: the navbar (and the next page load) say so.
    assert text(by_id(page(client.get("/index")), "activity-count").find(class_="visually-hidden")) == ""
    assert db.session.get(User, alice.id).activity_read_id == max(db.session.scalars(sa.select(Activity.id)))
    assert truth.activity(db.session, alice.id) == 0
    es = page(client.get("/activity", headers={"Accept-Language": "es"}))
    assert text(by_id(es, "activity-list").find_all("li")[1].find("a")) == "carol y 1 persona más te siguieron"
    assert carol.id


def test_activity_page_pages_with_real_links(app, client, signed_in, alice):
    app.config["POSTS_PER_PAGE"] = 2
    for i in range(5):
        make_user(f"f{i}")
        signed_in(f"f{i}", client)
        actor(client).opens("/user/alice").presses("Follow")
        actor(client).signs_out()
    signed_in("alice", client)
    soup = page(client.get("/activity"))
    older = soup.find("a", rel="next")
    assert older["href"] == "/activity?page=2"
    assert client.get("/activity?page=9").status_code == 404
    assert client.get("/activity?page=x").status_code == 400


def test_activity_page_cost_is_fixed(app, client, signed_in, alice, statements):
    def followers_mention_alice(numbers):
        for i in numbers:
            make_user(f"f{i}")
            signed_in(f"f{i}", client)
            assert actor(client).opens("/user/alice").presses("Follow").status == 303
            assert actor(client).opens("/index").submits("#post-form", post=f"hey @alice {i}").status == 303
            actor(client).signs_out()

    def activity_page_statements():
        signed_in("alice", client)
        client.get("/activity")
        with statements.recording() as log:
            assert client.get("/activity").status_code == 200
        actor(
            client
        ).signs_out()  # (before the actor, the second round's follows went out as alice, refused: no growth)
        return list(log.queries), list(log.writes)  # copies: the log is cleared by the next recording

    followers_mention_alice(range(3))
    small, _ = activity_page_statements()
    followers_mention_alice(range(3, 12))
    large, writes = activity_page_statements()
    assert len(large) == len(small) and writes == [], large
    assert len(large) <= 4, large


def test_concurrent_follows_and_mentions_against_one_user_count_exactly(app, signed_in):
    """Many people follow and mention one user at the same moment: every event stored once, and the
    stored count (the badge) equals the events above the watermark, on both databases."""
    from tests.messages.test_concurrency import run_all

    target = make_user("target")
    names = [f"fan{i}" for i in range(6)]
    for name in names:
        make_user(name)
    clients = {name: signed_in(name).client for name in names}

    def fan(name):
        def work():
            client = clients[name]
            for i in range(3):
                assert actor(client).opens("/user/target").presses("Follow").status == 303
                assert actor(client).opens("/index").submits("#post-form", post=f"hey @target {i}").status == 303
                assert actor(client).opens("/user/target").presses("Unfollow").status == 303

        return work

    run_all([fan(name) for name in names])
    db.session.rollback()
    assert events(target, FOLLOW) == len(names)
    assert events(target, MENTION) == 3 * len(names)
    reader = signed_in("target").client
    response = reader.get("/notifications/badge", query_string={"shown": "0", "activity": "0"}, headers=POLL)
    assert activity_badge(response) == f"{4 * len(names)} new activities"
    assert truth.activity(db.session, target.id) == 4 * len(names)  # stored, shown and the tables agree
    assert len(set(db.session.scalars(sa.select(Activity.id)))) == 4 * len(names)


def test_paging_by_htmx_drops_the_navbar_count_out_of_band(app, client, signed_in, alice):
    app.config["POSTS_PER_PAGE"] = 2
    for i in range(3):
        make_user(f"f{i}")
        signed_in(f"f{i}", client)
        actor(client).opens("/user/alice").presses("Follow")
        actor(client).opens("/index").submits("#post-form", post=f"hi @alice {i}")  # mentions: not grouped, so 6 items
        actor(client).signs_out()
    signed_in("alice", client)
    response = client.get("/activity?page=2", headers=HTMX)
    assert response.status_code == 200
    assert fragment(response, "#activity-list") is not None
    oob = fragment(response, "#activity-count")
    assert oob["hx-swap-oob"] == "true"
    # A watermark: page 2 showed events 3 and 4, so 1-4 are read; the two newest (page 1) are not, yet.
    assert text(oob.find(class_="visually-hidden")) == "2 new activities"


def test_a_page_of_posts_with_mentions_looks_names_up_once(app, client, signed_in, alice, bob, statements):
    app.config["LAST_SEEN_RESOLUTION_SECONDS"] = 10**9
    for i in range(8):
        make_user(f"m{i}")
    signed_in("alice", client)
    actor(client).opens("/index").submits("#post-form", post="no mentions here")
    client.get("/explore")
    with statements.recording() as plain:
        assert client.get("/explore").status_code == 200
    for i in range(8):
        actor(client).opens("/index").submits("#post-form", post=f"@m{i} and @bob and @ghost{i}")
    with statements.recording() as mentions:
        soup = page(client.get("/explore"))
    assert mentions.count <= plain.count + 1, (plain.queries, mentions.queries)
    assert sum("username_key IN" in q for q in mentions.queries) == 1, mentions.queries
    assert len(soup.find_all("a", class_="mention")) == 16


def test_an_empty_activity_page_offers_a_next_step(app, client, signed_in, alice):
    signed_in("alice", client)
    seen = actor(client).opens("/activity")
    assert "Nothing here yet" in seen.text("activity-empty")
    assert seen.follows_link("Find people to follow").url == "/explore"


def test_follows_apart_are_grouped_apart_newest_first(app, client, signed_in, alice, bob):
    for name in ("carol", "dave", "erin"):
        make_user(name)
    for name in ("carol", "dave", "bob", "erin"):
        signed_in(name, client)
        if name == "bob":
            actor(client).opens("/index").submits("#post-form", post="hi @alice")
        else:
            actor(client).opens("/user/alice").presses("Follow")
        actor(client).signs_out()
    signed_in("alice", client)
    links = [text(li.find("a")) for li in actor(client).opens("/activity").by_id("activity-list").find_all("li")]
    assert links == ["erin followed you", "bob mentioned you", "dave and 1 other followed you"]


def test_only_a_mention_shows_a_post_and_a_gone_post_shows_none(app, client, signed_in, alice, bob):
    """The page reads each mention's post with its event (activity/listing.py): only for a mention (an
    export's post_id is the export's number, which may be some post's id), and none for a deleted post."""
    kept = make_post(bob, "kept @alice")
    gone = make_post(bob, "gone @alice")
    db.session.add_all(
        [
            Activity(user_id=alice.id, actor_id=bob.id, kind=MENTION, post_id=kept.id),
            Activity(user_id=alice.id, actor_id=bob.id, kind=MENTION, post_id=gone.id),
            Activity(user_id=alice.id, actor_id=alice.id, kind="export", post_id=kept.id),
        ]
    )
    db.session.delete(gone)
    db.session.commit()
    items = signed_in("alice", client).opens("/activity").by_id("activity-list").find_all("li")
    assert [text(item.find("a")) for item in items] == [
        "Your data export is ready.",
        "bob mentioned you",
        "bob mentioned you",
    ]
    assert "kept @alice" not in text(items[0]) and items[0].find("a")["href"] == "/export"
    assert "gone @alice" not in text(items[1]) and items[1].find("a")["href"] == "/user/bob"
    assert "kept @alice" in text(items[2]) and items[2].find("a")["href"] == f"/post/{kept.id}"
