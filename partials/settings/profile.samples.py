"""Samples for the partials gallery: partials/settings/profile.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.users.forms import ProfileForm


def samples():
    return [
        (_("Empty form"), {"form": ProfileForm("alice", formdata=None)}),
        (
            _("With an error"),
            {
                "form": s.with_errors(
                    ProfileForm("alice", formdata=None),
                    username=_("This username is taken. Please choose another one."),
                )
            },
        ),
    ]
