"""`flask seed`: the bulk loader used by the benchmark (bench/run.py); its plan (microblog/seed/plan.py) is pure."""

import json

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.messages.models import Conversation, Member, Message
from microblog.notifications.models import UNREAD_MESSAGE_COUNT, Notification
from microblog.posts.models import Post
from microblog.users.models import User
from microblog.users.relations import followers
from tests import truth
from tests.conftest import make_user, only_on


def test_seed_loads_consistent_data(app, runner):
    result = runner.invoke(
        args=["seed", "--users", "50", "--posts", "200", "--messages", "500", "--password", "pw-123456"]
    )
    assert result.exit_code == 0, result.output

    def count(table):
        return db.session.scalar(sa.select(sa.func.count()).select_from(table))

    assert count(User) == 50
    assert count(Post) == 200
    assert count(Message) == 500
    assert count(followers) == 50 * 49 >= 50 * 40  # ~50 follows each, capped by the other users
    # Each follow is a "new follower" event, already seen: no activity count.
    from microblog.activity.models import Activity
    from microblog.unread.counts import total_activity

    assert count(Activity) == count(followers)
    assert all(total_activity(uid) == 0 for uid in db.session.scalars(sa.select(User.id)))

    user1 = User.by_username("user1")
    assert user1.check_password("pw-123456")
    assert User.by_username("user50") is not None
    to_user1 = db.session.scalar(sa.select(sa.func.count()).where(Message.recipient_id == user1.id))
    assert to_user1 >= 5  # at least 1% of 500
    assert db.session.scalar(sa.select(sa.func.count()).where(Message.sender_id == Message.recipient_id)) == 0

    stored = {
        n.user_id: n
        for n in db.session.scalars(sa.select(Notification).where(Notification.name == UNREAD_MESSAGE_COUNT))
    }
    assert user1.id in stored  # user1 has some unread
    for user in db.session.scalars(sa.select(User)):
        got = json.loads(stored[user.id].payload_json) if user.id in stored else 0
        assert got == truth.unread_messages(db.session, user.id), user.username
    assert all(json.loads(n.payload_json) > 0 for n in stored.values())
    # One conversation per pair; every message in its pair's conversation; the long one between user1 and user2.
    pairs = db.session.execute(sa.select(Conversation.user_low_id, Conversation.user_high_id)).all()
    assert len(pairs) == len(set(pairs)) == count(Conversation) == count(Member) // 2
    wrong = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            sa.case((Message.sender_id < Message.recipient_id, Message.sender_id), else_=Message.recipient_id)
            != Conversation.user_low_id
        )
    )
    assert wrong == 0
    long_one = db.session.scalar(
        sa.select(sa.func.count()).where(
            Message.conversation_id == Conversation.id, Conversation.user_low_id == 1, Conversation.user_high_id == 2
        )
    )
    assert long_one >= 100  # a fifth of 500
    last = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Member)
        .where(
            Member.last_message_id
            != sa.select(sa.func.max(Message.id))
            .where(Message.conversation_id == Member.conversation_id)
            .scalar_subquery()
        )
    )
    assert last == 0
    # Timestamps come back aware.
    assert db.session.scalar(sa.select(Post).limit(1)).timestamp.tzinfo is not None

    # New rows after a seed get fresh ids (sequences were moved past the seeded ones).
    post = Post(body="after", user_id=user1.id)
    db.session.add(post)
    db.session.commit()
    assert post.id == 201


def test_seed_refuses_a_non_empty_database(app, runner):
    assert (
        runner.invoke(args=["seed", "--users", "3", "--posts", "1", "--messages", "2", "--password", "x"]).exit_code
        == 0
    )
    again = runner.invoke(args=["seed", "--users", "3", "--posts", "1", "--messages", "2", "--password", "x"])
    assert again.exit_code != 0
    assert "not empty" in again.output


def test_the_plan_is_pure_and_deterministic():
    """The plan needs no app or database, and the same sizes and seed give the same data; another seed, other data."""
    from microblog.seed.plan import make_plan

    first = make_plan(40, 100, 300, follows=5, seed_value=7)
    assert first == make_plan(40, 100, 300, follows=5, seed_value=7)
    assert first != make_plan(40, 100, 300, follows=5, seed_value=8)
    assert len(first.follows) == 40 * 5 and len(first.post_author) == 100 and len(first.senders) == 300
    assert all(follower != followed for follower, followed in first.follow_pairs())
    assert sum(first.unread.values()) == sum(
        1 for i, r in enumerate(first.recipients) if i + 1 > first.watermark.get(r, 0)
    )


def test_the_plan_refuses_sizes_it_cannot_make(runner):
    from microblog.seed.plan import make_plan

    with pytest.raises(ValueError):
        make_plan(1, 0, 5)
    result = runner.invoke(args=["seed", "--users", "1", "--posts", "0", "--messages", "5", "--password", "x"])
    assert result.exit_code != 0 and "at least 2 users" in result.output


@pytest.mark.slow  # a Python process of its own (the bench runs it that way)
@only_on("sqlite")  # the bench serves SQLite files
def test_the_benchs_short_thread_is_eight_messages_sent_through_the_app(app, database_url):
    from tools.bench.short_thread import LENGTH, short_thread

    for name in ("user1", "user2", "user3", "user4"):
        make_user(name)
    db.session.commit()
    carol = db.session.scalar(sa.select(User).where(User.username == "user4"))
    carol.message_policy = "nobody"  # the highest-numbered user refuses: the next one is taken
    db.session.commit()

    assert short_thread(database_url) == "user3"
    db.session.expire_all()
    messages = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
    assert len(messages) == LENGTH == 8
    assert [m.sender_id for m in messages] == [1, 3] * 4
    # stored as the send form stores them: user1's unread count and badge
    assert truth.unread_in(db.session, 1, 3) == 4 and truth.badge(db.session, 1) == 4
