"""Samples for the partials gallery: partials/shared/title.html."""

from flask_babel import gettext as _


def samples():
    return [
        (_("A page's title"), {"title": _("Explore"), "unread": 0}),
        (_("No title of its own"), {"unread": 0}),
        (_("With three unread messages"), {"title": _("Explore"), "unread": 3}),
        (_("More than 99 unread"), {"title": _("Explore"), "unread": 120}),
    ]
