"""Samples for the partials gallery: partials/messages/log.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    thread = [
        s.message(6, BOB, ALICE, "Lunch tomorrow?", 60),
        s.message(7, ALICE, BOB, "Sure, at noon.", 30),
        s.message(8, BOB, ALICE, "Great, see you!", 2),
    ]
    base = {"me": ALICE, "other": BOB}
    return [
        (_("A conversation with earlier messages"), {"messages": thread, "has_earlier": True, **base}),
        (_("An empty conversation"), {"messages": [], "has_earlier": False, **base}),
        (_("An older page of a conversation"), {"messages": thread[:2], "has_earlier": False, "before": 8, **base}),
    ]
