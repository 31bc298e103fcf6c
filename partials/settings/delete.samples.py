"""Samples for the partials gallery: partials/settings/delete.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.settings.forms import DeleteAccountForm


def samples():
    return [
        (_("Empty form"), {"form": DeleteAccountForm(formdata=None), "user": SimpleNamespace(two_factor=False)}),
        (
            _("With two-factor sign-in and an error"),
            {
                "form": s.with_errors(
                    DeleteAccountForm(formdata=None), password=_("Your current password is not correct.")
                ),
                "user": SimpleNamespace(two_factor=True),
            },
        ),
    ]
