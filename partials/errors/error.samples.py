"""Samples for the partials gallery: partials/errors/error.html."""

from flask_babel import gettext as _


def samples():
    return [
        (_("Not found"), {"code": 404, "title": _("Not found"), "message": _("There is no user with that name.")}),
        (
            _("Server error"),
            {
                "code": 500,
                "title": _("Something went wrong"),
                "message": _("The server could not complete the request."),
            },
        ),
    ]
