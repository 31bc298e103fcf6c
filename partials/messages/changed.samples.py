"""Samples for the partials gallery: partials/messages/changed.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    unsent = s.message(7, BOB, ALICE, "", 10)
    unsent.unsent = True
    reacted = s.message(8, ALICE, BOB, "Sure, at noon.", 9)
    return [
        (
            _("An unsent message and a reaction, out-of-band"),
            {
                "changed": [unsent, reacted],
                "me": ALICE,
                "other": BOB,
                "reactions": {8: [("love", 1, False)]},
                "oob": True,
            },
        )
    ]
