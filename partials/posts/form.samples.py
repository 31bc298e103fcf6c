"""Samples for the partials gallery: partials/posts/form.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.posts.forms import PostForm


def samples():
    return [
        (_("Empty form"), {"form": PostForm(formdata=None)}),
        (
            _("With an error"),
            {
                "form": s.with_errors(
                    PostForm(formdata=None),
                    post=_("Please use at most %(max)d characters (you used %(n)d).", max=140, n=151),
                )
            },
        ),
    ]
