"""Samples for the partials gallery: partials/messages/earlier.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    older = [s.message(4, BOB, ALICE, "Are you coming on Sunday?", 300), s.message(5, ALICE, BOB, "Maybe!", 290)]
    return [
        (
            _("Older messages, with more before them"),
            {"messages": older, "has_earlier": True, "me": ALICE, "other": BOB},
        ),
        (
            _("The first messages of the conversation"),
            {"messages": older, "has_earlier": False, "me": ALICE, "other": BOB},
        ),
    ]
