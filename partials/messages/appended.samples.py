"""Samples for the partials gallery: partials/messages/appended.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    return [
        (
            _("New messages for the open thread (out-of-band)"),
            {
                "messages": [s.message(9, BOB, ALICE, "Are you there?", 1), s.message(10, BOB, ALICE, "Hello?", 0)],
                "me": ALICE,
                "other": BOB,
                "oob": True,
            },
        ),
    ]
