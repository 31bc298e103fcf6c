"""Samples for the partials gallery: partials/messages/conversations.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB, CAROL = s.user("alice", 1), s.user("bob", 2), s.user("carol", 3)


def samples():
    dave = s.user("dave", 4)
    muted = s.member(3, ALICE, dave)
    muted.muted = True
    unsent = s.message(10, ALICE, dave, "", 60 * 30)
    unsent.unsent = True
    rows = [
        (s.member(1, ALICE, BOB), BOB, s.message(12, BOB, ALICE, "Lunch tomorrow?", 3), 1),
        (s.member(2, ALICE, CAROL), CAROL, s.message(11, ALICE, CAROL, "Thanks for the follow!", 90), 0),
        (muted, dave, s.message(9, dave, ALICE, "Group chat spam", 60 * 50), 4),
        (s.member(4, ALICE, CAROL), CAROL, unsent, 0),
    ]
    return [
        (
            _("Conversations, first of two pages"),
            {"conversations": s.page(rows, 1, has_next=True), "me": ALICE, "state": "7"},
        ),
        (_("No conversations"), {"conversations": s.page([]), "me": ALICE, "state": "0"}),
    ]
