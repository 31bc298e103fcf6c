"""Unread state, the one home of counting what somebody has not read yet (SPEC S5, S11, S14).

Nothing else computes or stores a count. What a user has unread is derived, never counted up or down: the
messages to them, in each of their conversations, with an id above their watermark there; the activity
events for them with an id above their activity watermark. The totals are stored (as the tutorial's
`unread_message_count` and `unread_activity_count` notifications) only by the acts that change them,
computed from the data under the user's lock, so the badge, the JSON feed and the pages agree.

- locks.py      `lock_user`, `lock_users` and `with changing(*user_ids):` (begin a write, lock, commit)
- watermark.py  the unread-message predicate (written once) and the one watermark mover
- counts.py     the totals, storing them, and `Counts` (the navbar's counts, one field each)
- reads.py      mark_read (messages) and mark_activity_read: the only ways a count goes down
- activity.py   adding and removing activity events (new followers, mentions, exports)
- loader.py     the signed-in user with their `Counts` (on `g.counts`) and the badge's read: one join
- state.py      the polls' one-statement reads outside the request's session (badge, thread, list)

This package imports nothing at its root, so `messages.models` can take the predicate from watermark.py.
What writes messages (send, unsend, mute, mark unread) is in `microblog/messages/acts.py`.
"""
