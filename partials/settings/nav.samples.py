"""Samples for the partials gallery: partials/settings/nav.html."""

from flask_babel import gettext as _

from microblog.settings.sections import SECTIONS


def samples():
    return [
        (_("On the profile section"), {"section": "profile", "sections": SECTIONS}),
        (_("On the two-factor section"), {"section": "two_factor", "sections": SECTIONS}),
    ]
