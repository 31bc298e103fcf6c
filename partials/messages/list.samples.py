"""Samples for the partials gallery: partials/messages/list.html."""
from flask_babel import gettext as _

from microblog.gallery import samples as s

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    received = [s.post(12, BOB, "Lunch tomorrow?", 3, recipient=ALICE),
                s.post(11, s.user("carol", 3), "Thanks for the follow!", 90, recipient=ALICE)]
    sent = [s.post(13, ALICE, "Sure, at noon.", 1, recipient=BOB)]
    inbox = {"box": "inbox", "endpoint": "messages.messages", "endpoint_args": {}}
    return [
        (_("Inbox, first of two pages"), {"messages": s.page(received, 1, has_next=True), **inbox}),
        (_("Empty inbox"), {"messages": s.page([]), **inbox}),
        (_("Sent messages"), {"messages": s.page(sent), "box": "sent", "endpoint": "messages.sent", "endpoint_args": {}}),
    ]
