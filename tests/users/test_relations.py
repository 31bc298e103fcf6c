"""The four acts of users/relation_changes.py (follow, unfollow, block, unblock) are whole writes: called
outside any request they take their lock themselves, write and commit; what each changes (SPEC S14)."""

from __future__ import annotations

import pytest

from microblog import writes
from microblog.extensions import db
from microblog.unread import total_activity
from microblog.users import relation_changes
from microblog.users.relations import blocks, is_following
from tests.conftest import make_user


@pytest.fixture
def locks(monkeypatch):
    """The user ids each act locks (through `changing`), in order."""
    taken = []
    real = writes.lock_users

    def recording(user_ids):
        taken.append(sorted(set(user_ids)))
        real(user_ids)

    monkeypatch.setattr(writes, "lock_users", recording)
    return taken


def test_a_follow_is_committed_and_notifies_once_under_the_followed_users_lock(alice, bob, locks):
    assert relation_changes.follow(alice, bob) is True
    db.session.rollback()  # nothing left for the caller to commit
    assert is_following(alice.id, bob.id) and total_activity(bob.id) == 1
    assert locks == [[bob.id]]
    assert relation_changes.follow(alice, bob) is False  # already following: nothing written
    assert relation_changes.unfollow(alice, bob) is True and relation_changes.unfollow(alice, bob) is False
    db.session.rollback()
    assert not is_following(alice.id, bob.id)
    assert relation_changes.follow(alice, bob) is True
    assert total_activity(bob.id) == 1  # follow, unfollow, follow: one new follower, ever


def test_a_block_ends_the_blocked_users_follow_and_refuses_the_next(alice, bob, locks):
    relation_changes.follow(alice, bob)
    locks.clear()
    relation_changes.block(bob, alice)
    db.session.rollback()
    assert blocks(bob.id, alice.id) and not is_following(alice.id, bob.id)
    assert locks == [[bob.id]]  # the lock a follow of bob takes: no follow slips in after the block
    with pytest.raises(relation_changes.Blocked):
        relation_changes.follow(alice, bob)
    assert not is_following(alice.id, bob.id) and total_activity(bob.id) == 1
    relation_changes.block(bob, alice)  # again: a no-op
    relation_changes.unblock(bob, alice)
    db.session.rollback()
    assert not blocks(bob.id, alice.id)
    assert relation_changes.follow(alice, bob) is True


def test_following_yourself_writes_nothing(app):
    carol = make_user("carol")
    assert relation_changes.follow(carol, carol) is False and not is_following(carol.id, carol.id)
