"""Samples for the partials gallery: partials/posts/list.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s


def samples():
    posts = [
        s.post(3, s.user("bob", 2), "Trying out htmx today.", 2),
        s.post(
            2,
            s.user("carol", 3),
            "A longer post that wraps onto a second line to show how the body text flows next to the avatar.",
            60 * 5,
        ),
        s.post(1, s.user("alice", 1), "Hello, world!", 60 * 24 * 3),
    ]
    explore = {"endpoint": "posts.explore", "endpoint_args": {}}
    return [
        (_("Middle page (newer and older)"), {"posts": s.page(posts, 2, has_next=True), **explore}),
        (_("Single page"), {"posts": s.page(posts[:1]), **explore}),
        (_("No posts"), {"posts": s.page([]), **explore}),
    ]
