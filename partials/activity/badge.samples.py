"""Samples for the partials gallery: partials/activity/badge.html."""

from flask_babel import gettext as _


def samples():
    return [
        (_("No new activity (hidden)"), {"count": 0}),
        (_("One new activity"), {"count": 1}),
        (_("More than 99"), {"count": 120}),
        (_("Out-of-band, from the message badge's poll"), {"count": 2, "oob": True}),
    ]
