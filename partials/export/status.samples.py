"""Samples for the partials gallery: partials/export/status.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

from microblog.forms import EmptyForm


def samples():
    form = EmptyForm(meta={"csrf": False})
    return [
        (_("No export yet"), {"form": form, "export": None, "link": None}),
        (_("Under way"), {"form": form, "export": SimpleNamespace(state="pending"), "link": None}),
        (_("Ready"), {"form": form, "export": SimpleNamespace(state="ready"), "link": "/export/download/sample"}),
    ]
