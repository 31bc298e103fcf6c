"""Samples for the partials gallery: partials/posts/created.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.posts.forms import PostForm


def samples():
    return [
        (
            _("After posting"),
            {
                "form": PostForm(formdata=None),
                "post": s.post(42, body="My first post!", minutes_ago=0),
            },
        ),
    ]
