"""Samples for the partials gallery: partials/messages/actions.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    unsent = s.message(11, ALICE, BOB, "", 3)
    unsent.unsent = True
    return [
        (_("Your message"), {"message": s.message(8, ALICE, BOB, "Sure, at noon.", 1), "me": ALICE, "other": BOB}),
        (_("Their message"), {"message": s.message(7, BOB, ALICE, "Lunch tomorrow?", 60), "me": ALICE, "other": BOB}),
        (_("Unsent"), {"message": unsent, "me": ALICE, "other": BOB}),
    ]
