"""Samples for the partials gallery: partials/shared/title.html."""
from flask_babel import gettext as _


def samples():
    return [
        (_("A page's title"), {"title": _("Explore")}),
        (_("No title of its own"), {}),
    ]
