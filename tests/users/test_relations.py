"""The four acts of users/relations.py (follow, unfollow, block, unblock) are whole writes: called
outside any request they take their lock themselves, write and commit; what each changes (SPEC S14)."""

from __future__ import annotations

import pytest

from microblog.extensions import db
from microblog.unread import locks as unread_locks
from microblog.unread.counts import total_activity
from microblog.users import relations
from microblog.users.relations import blocks, is_following
from tests.conftest import make_user


@pytest.fixture
def locks(monkeypatch):
    """The user ids each act locks (through `changing`), in order."""
    taken = []
    real = unread_locks.lock_users

    def recording(user_ids):
        taken.append(sorted(set(user_ids)))
        real(user_ids)

    monkeypatch.setattr(unread_locks, "lock_users", recording)
    return taken


def test_a_follow_is_committed_and_notifies_once_under_the_followed_users_lock(alice, bob, locks):
    assert relations.follow(alice, bob) is True
    db.session.rollback()  # nothing left for the caller to commit
    assert is_following(alice.id, bob.id) and total_activity(bob.id) == 1
    assert locks == [[bob.id]]
    assert relations.follow(alice, bob) is False  # already following: nothing written
    assert relations.unfollow(alice, bob) is True and relations.unfollow(alice, bob) is False
    db.session.rollback()
    assert not is_following(alice.id, bob.id)
    assert relations.follow(alice, bob) is True
    assert total_activity(bob.id) == 1  # follow, unfollow, follow: one new follower, ever


def test_a_block_ends_the_blocked_users_follow_and_refuses_the_next(alice, bob, locks):
    relations.follow(alice, bob)
    locks.clear()
    relations.block(bob, alice)
    db.session.rollback()
    assert blocks(bob.id, alice.id) and not is_following(alice.id, bob.id)
    assert locks == [[bob.id]]  # the lock a follow of bob takes: no follow slips in after the block
    with pytest.raises(relations.Blocked):
        relations.follow(alice, bob)
    assert not is_following(alice.id, bob.id) and total_activity(bob.id) == 1
    relations.block(bob, alice)  # again: a no-op
    relations.unblock(bob, alice)
    db.session.rollback()
    assert not blocks(bob.id, alice.id)
    assert relations.follow(alice, bob) is True


def test_following_yourself_writes_nothing(app):
    carol = make_user("carol")
    assert relations.follow(carol, carol) is False and not is_following(carol.id, carol.id)
