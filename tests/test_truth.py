"""The count oracle (tests/truth.py) against states written by hand: each rule it encodes, with the numbers
worked out here, so that the tests that compare the app with it compare with something checked."""

import sqlalchemy as sa

from microblog.activity.models import Activity
from microblog.extensions import db
from microblog.messages.models import Hidden, Member, Message
from microblog.users.models import User
from microblog.users.relations import Block
from tests import truth
from tests.conftest import make_user, send


def member(user, other) -> Member:
    return db.session.scalar(sa.select(Member).where(Member.user_id == user.id, Member.other_id == other.id))


def test_the_oracle_counts_by_the_spec(app):
    alice, bob, carol, dave = (make_user(name) for name in ("alice", "bob", "carol", "dave"))
    to_alice = [send(bob, alice, f"b{i}") for i in range(4)] + [send(carol, alice, f"c{i}") for i in range(3)]
    send(alice, bob, "mine does not count for me")
    send(dave, alice, "from dave")
    assert truth.unread_messages(db.session, alice.id) == 8
    assert truth.unread_by_conversation(db.session, alice.id) == {bob.id: 4, carol.id: 3, dave.id: 1}

    member(alice, bob).last_read_message_id = to_alice[1].id  # read bob's first two
    db.session.get(Message, to_alice[3].id).unsent = True  # bob takes his last one back
    member(alice, carol).muted = True  # carol's count leaves the badge, stays in its row
    db.session.add(Hidden(user_id=alice.id, message_id=to_alice[2].id))  # hidden is not read
    db.session.add(Block(blocker_id=alice.id, blocked_id=dave.id))  # a block takes nothing back
    db.session.commit()
    assert truth.unread_in(db.session, alice.id, bob.id) == 1
    assert truth.unread_in(db.session, alice.id, carol.id) == 3
    assert truth.unread_messages(db.session, alice.id) == 1 + 1  # bob's one, dave's one; carol muted
    assert truth.unread_messages(db.session, bob.id) == 1

    member(alice, bob).cleared_before_id = to_alice[2].id  # deleted for me up to it: nothing of it counts
    db.session.commit()
    assert truth.unread_in(db.session, alice.id, bob.id) == 0

    everyone = truth.everyone(db.session)
    assert (everyone["alice"].messages, everyone["alice"].conversations) == (1, {carol.id: 3, dave.id: 1})
    assert (everyone["bob"].messages, everyone["carol"].messages) == (1, 0)


def test_the_oracle_counts_activity_above_the_watermark(app):
    alice, bob, carol = (make_user(name) for name in ("alice", "bob", "carol"))
    for actor_id in (bob.id, carol.id):
        db.session.add(Activity(user_id=alice.id, actor_id=actor_id, kind="follow", post_id=0))
    db.session.commit()
    assert truth.unread_activity(db.session, alice.id) == 2
    first = min(db.session.scalars(sa.select(Activity.id)))
    db.session.get(User, alice.id).activity_read_id = first
    db.session.commit()
    assert truth.unread_activity(db.session, alice.id) == 1 == truth.everyone(db.session)["alice"].activity
    assert truth.unread_activity(db.session, bob.id) == 0


def test_badge_and_activity_assert_what_the_app_stored(app):
    alice, bob = make_user("alice"), make_user("bob")
    send(bob, alice, "hi")  # the app stores alice's new total with the message
    assert truth.stored_totals(db.session, alice.id) == (1, 0)
    assert truth.badge(db.session, alice.id) == 1 and truth.activity(db.session, alice.id) == 0
    member(alice, bob).last_read_message_id = 10**6  # behind the app's back: the stored total is now wrong
    db.session.commit()
    try:
        truth.badge(db.session, alice.id)
    except AssertionError as error:
        assert "the stored badge says 1, the tables 0" in str(error)
    else:
        raise AssertionError("badge() did not notice a stored total that disagrees with the tables")
