"""Samples for the partials gallery: partials/settings/nav.html."""
from flask_babel import gettext as _


def samples():
    return [(_("On the profile section"), {"section": "profile"}),
            (_("On the two-factor section"), {"section": "two_factor"})]
