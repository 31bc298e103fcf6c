"""Samples for the partials gallery: partials/users/block.html."""

from flask_babel import gettext as _

from microblog.forms import EmptyForm
from microblog.gallery import samples as s


def samples():
    common = {"user": s.user("bob", 2), "block_form": EmptyForm(formdata=None)}
    return [
        (_("Not blocked"), {**common, "i_block": False}),
        (_("Blocked"), {**common, "i_block": True}),
    ]
