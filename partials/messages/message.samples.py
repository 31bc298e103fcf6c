"""Samples for the partials gallery: partials/messages/message.html."""
from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    return [
        (_("Their message"), {"message": s.message(7, BOB, ALICE, "Lunch tomorrow?", 60), "me": ALICE, "other": BOB}),
        (_("Your message"), {"message": s.message(8, ALICE, BOB, "Sure, at noon.", 1), "me": ALICE, "other": BOB}),
        (_("A long unbroken word"), {"message": s.message(9, BOB, ALICE, "x" * 140, 5), "me": ALICE, "other": BOB}),
    ]
