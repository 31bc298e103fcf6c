"""Samples for the partials gallery: partials/users/follow.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

from microblog.forms import EmptyForm
from microblog.gallery import samples as s

VIEWER = SimpleNamespace(id=1, username="alice", is_authenticated=True)


def samples():
    bob = s.user("bob", 2)
    common = {"user": bob, "current_user": VIEWER, "form": EmptyForm(formdata=None)}
    return [
        (_("Not following yet"), {**common, "n_followers": 0, "n_following": 1, "is_following": False}),
        (_("Following"), {**common, "n_followers": 1, "n_following": 1, "is_following": True}),
        (_("Many followers"), {**common, "n_followers": 1204, "n_following": 12, "is_following": False}),
        (
            _("Your own profile (no button)"),
            {**common, "user": s.user("alice", 1), "n_followers": 3, "n_following": 2, "is_following": False},
        ),
    ]
