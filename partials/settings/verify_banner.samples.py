"""Samples for the partials gallery: partials/settings/verify_banner.html."""

from flask_babel import gettext as _


def samples():
    return [
        (_("An address to verify"), {"address": "alice@example.com", "next": "/index"}),
        (_("No address on file"), {"address": None, "next": "/index"}),
    ]
