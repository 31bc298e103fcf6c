"""Samples for the partials gallery: partials/messages/conversations.html."""
from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB, CAROL = s.user("alice", 1), s.user("bob", 2), s.user("carol", 3)


def samples():
    rows = [(s.member(1, ALICE, BOB), BOB, s.message(12, BOB, ALICE, "Lunch tomorrow?", 3), 1),
            (s.member(2, ALICE, CAROL), CAROL, s.message(11, ALICE, CAROL, "Thanks for the follow!", 90), 0)]
    return [
        (_("Conversations, first of two pages"), {"conversations": s.page(rows, 1, has_next=True), "me": ALICE}),
        (_("No conversations"), {"conversations": s.page([]), "me": ALICE}),
    ]
