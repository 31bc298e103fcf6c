"""Samples for the partials gallery: partials/users/popup.html."""

from types import SimpleNamespace

from flask_babel import gettext as _

from microblog.database import utcnow
from microblog.forms import EmptyForm
from microblog.gallery import samples as s

VIEWER = SimpleNamespace(id=1, username="alice", is_authenticated=True)


def samples():
    bob = s.user("bob", 2, about_me="I write about cats and trains.")
    bob.last_seen = utcnow()
    quiet = s.user("carol", 3)
    quiet.last_seen = None
    common = {"current_user": VIEWER, "form": EmptyForm(formdata=None), "in_card": True, "n_following": 3}
    return [
        (_("Someone you do not follow"), {**common, "user": bob, "n_followers": 12, "is_following": False}),
        (_("Someone you follow, no about me"), {**common, "user": quiet, "n_followers": 1, "is_following": True}),
        (
            _("Someone who blocked you"),
            {**common, "user": bob, "n_followers": 12, "is_following": False, "blocks_me": True},
        ),
    ]
