"""Samples for the partials gallery: partials/messages/conversation.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    member = s.member(3, ALICE, BOB)
    long_text = "Did you see the new badge? It counts your unread messages and updates without a reload."
    return [
        (
            _("Three unread"),
            {"member": member, "other": BOB, "last": s.message(9, BOB, ALICE, long_text, 3), "unread": 3, "me": ALICE},
        ),
        (
            _("Your message last"),
            {"member": member, "other": BOB, "last": s.message(10, ALICE, BOB, "Sure!", 1), "unread": 0, "me": ALICE},
        ),
        (
            _("More than 99 unread"),
            {"member": member, "other": BOB, "last": s.message(11, BOB, ALICE, "Ping", 0), "unread": 120, "me": ALICE},
        ),
    ]
