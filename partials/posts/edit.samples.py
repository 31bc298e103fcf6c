"""Samples for the partials gallery: partials/posts/edit.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.posts.forms import EditPostForm


def samples():
    post = s.post(3, s.user("alice", 1), "Helo, world!", 2)
    filled = EditPostForm(formdata=None, data={"post": post.body})
    return [
        (_("The form with the post's text"), {"form": filled, "post": post}),
        (
            _("An empty post is refused"),
            {"form": s.with_errors(EditPostForm(formdata=None), post=_("This field cannot be empty.")), "post": post},
        ),
    ]
