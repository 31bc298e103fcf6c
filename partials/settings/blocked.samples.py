"""Samples for the partials gallery: partials/settings/blocked.html."""

from flask_babel import gettext as _

from microblog.forms import EmptyForm
from microblog.gallery import samples as s


def samples():
    form = EmptyForm(formdata=None)
    return [
        (_("Nobody blocked"), {"blocked": [], "block_form": form}),
        (_("Two people blocked"), {"blocked": [s.user("bob", 2), s.user("mallory", 3)], "block_form": form}),
    ]
