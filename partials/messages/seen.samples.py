"""Samples for the partials gallery: partials/messages/seen.html."""

from datetime import timedelta

from flask_babel import gettext as _

from microblog.database import utcnow


def samples():
    return [
        (_("Seen a minute ago"), {"seen": (8, utcnow() - timedelta(minutes=1))}),
        (_("Not seen yet, or read receipts off"), {"seen": None}),
    ]
