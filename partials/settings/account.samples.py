"""Samples for the partials gallery: partials/settings/account.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

from microblog.auth.forms import ChangePasswordForm
from microblog.forms import EmptyForm
from microblog.users.forms import EmailForm


def samples():
    def forms():
        return {
            "email_form": EmailForm(formdata=None),
            "password_form": ChangePasswordForm(formdata=None),
            "resend_form": EmptyForm(formdata=None),
        }

    def user(**state):
        return SimpleNamespace(
            **{
                "email": "alice@example.com",
                "email_verified": True,
                "pending_email": None,
                "has_address": True,
                **state,
            }
        )

    return [
        (_("A verified address"), {"user": user(), **forms()}),
        (_("An address waiting for verification"), {"user": user(email_verified=False), **forms()}),
        (_("A new address waiting for verification"), {"user": user(pending_email="alice@example.org"), **forms()}),
    ]
