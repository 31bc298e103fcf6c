"""Samples for the partials gallery: partials/settings/two_factor.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

from microblog.auth import two_factor
from microblog.settings.forms import DisableTwoFactorForm, EnableTwoFactorForm

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # an example key, not anyone's


def samples():
    def forms():
        return {"enable_form": EnableTwoFactorForm(formdata=None), "disable_form": DisableTwoFactorForm(formdata=None)}

    setup = {"secret": SECRET, "qr": two_factor.qr_data_uri(two_factor.provisioning_uri("alice", SECRET))}
    return [
        (_("Off: scan and confirm"), {"user": SimpleNamespace(two_factor=False), "setup": setup, **forms()}),
        (
            _("Just turned on: the recovery codes"),
            {"user": SimpleNamespace(two_factor=True), **forms(), "codes": [f"a1b2c{i}-d4e5f{i}" for i in range(10)]},
        ),
        (_("On"), {"user": SimpleNamespace(two_factor=True), "codes_left": 9, **forms()}),
    ]
