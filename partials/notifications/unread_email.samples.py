"""Samples for the partials gallery: partials/notifications/unread_email.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

LINKS = {
    "link": "https://microblog.example/messages/bob",
    "settings": "https://microblog.example/email/settings",
    "unsubscribe": "https://microblog.example/email/unsubscribe/token",
}


def samples():
    alice, bob = SimpleNamespace(username="alice"), SimpleNamespace(username="bob")
    return [
        (_("One new message"), {"user": alice, "sender": bob, "count": 1, "preview": "Lunch tomorrow?", **LINKS}),
        (
            _("Three new messages, a long preview cut short"),
            {"user": alice, "sender": bob, "count": 3, "preview": "x" * 79 + "…", **LINKS},
        ),
    ]
