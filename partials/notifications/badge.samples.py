"""Samples for the partials gallery: partials/notifications/badge.html."""

from flask_babel import gettext as _


def samples():
    return [
        (_("No unread messages (hidden)"), {"count": 0}),
        (_("One unread message"), {"count": 1}),
        (_("Three unread messages"), {"count": 3}),
        (_("More than 99"), {"count": 120}),
        (_("Out-of-band, after reading"), {"count": 0, "oob": True}),
        (_("Signed out: stops polling"), {"count": 0, "polling": False}),
    ]
