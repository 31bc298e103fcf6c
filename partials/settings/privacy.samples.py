"""Samples for the partials gallery: partials/settings/privacy.html."""

from flask_babel import gettext as _

from microblog.users.forms import PrivacyForm


def samples():
    return [(_("Empty form"), {"form": PrivacyForm(formdata=None, message_policy="following", read_receipts=True)})]
