"""Samples for the partials gallery: partials/messages/message.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    edited = s.message(10, ALICE, BOB, "See https://example.com/menu (edited: noon, not 11)\nand ask @bob", 2)
    edited.edited_at = edited.timestamp
    unsent = s.message(11, BOB, ALICE, "", 3)
    unsent.unsent = True
    reacted = s.message(12, BOB, ALICE, "Two lines\nkept apart", 60 * 30)
    reactions = {12: [("like", 2, True), ("laugh", 1, False)]}
    return [
        (_("Edited, with a link"), {"message": edited, "me": ALICE, "other": BOB}),
        (_("Unsent"), {"message": unsent, "me": ALICE, "other": BOB}),
        (_("With reactions"), {"message": reacted, "me": ALICE, "other": BOB, "reactions": reactions}),
        (_("Their message"), {"message": s.message(7, BOB, ALICE, "Lunch tomorrow?", 60), "me": ALICE, "other": BOB}),
        (_("Your message"), {"message": s.message(8, ALICE, BOB, "Sure, at noon.", 1), "me": ALICE, "other": BOB}),
        (_("A long unbroken word"), {"message": s.message(9, BOB, ALICE, "x" * 140, 5), "me": ALICE, "other": BOB}),
    ]
