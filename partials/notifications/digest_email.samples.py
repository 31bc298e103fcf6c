"""Samples for the partials gallery: partials/notifications/digest_email.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

LINKS = {
    "settings": "https://microblog.example/email/settings",
    "unsubscribe": "https://microblog.example/email/unsubscribe/token",
}


def samples():
    alice = SimpleNamespace(username="alice")
    rows = [
        {
            "sender": SimpleNamespace(username="bob"),
            "count": 2,
            "preview": "Lunch tomorrow?",
            "link": "https://microblog.example/messages/bob",
        },
        {
            "sender": SimpleNamespace(username="carol"),
            "count": 1,
            "preview": "¡Hola!",
            "link": "https://microblog.example/messages/carol",
        },
    ]
    return [(_("Two conversations"), {"user": alice, "rows": rows, "total": 3, **LINKS})]
