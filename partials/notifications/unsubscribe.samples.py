"""Samples for the partials gallery: partials/notifications/unsubscribe.html."""

from flask_babel import gettext as _


def samples():
    return [(_("Asking"), {"done": False, "token": "sample"}), (_("Done"), {"done": True, "token": "sample"})]
