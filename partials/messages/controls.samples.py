"""Samples for the partials gallery: partials/messages/controls.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    muted = s.member(1, ALICE, BOB)
    muted.muted = True
    return [
        (_("A conversation's options"), {"other": BOB, "member": s.member(1, ALICE, BOB)}),
        (_("Muted"), {"other": BOB, "member": muted}),
        (_("Before anyone wrote"), {"other": BOB, "member": None}),
    ]
