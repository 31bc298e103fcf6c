"""Samples for the partials gallery: partials/search/form.html."""

from flask_babel import gettext as _


def samples():
    return [(_("The navbar search box"), {})]
