"""Samples for the partials gallery: partials/export/ready_email.html."""

from types import SimpleNamespace

from flask_babel import gettext as _


def samples():
    return [
        (
            _("Ready"),
            {
                "user": SimpleNamespace(username="alice"),
                "hours": 24,
                "link": "https://microblog.example/export/download/token",
            },
        )
    ]
