"""Samples for the partials gallery: partials/posts/post.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.search.engine import highlight


def samples():
    alice, bob = s.user("alice", 1), s.user("bob", 2)
    edited = s.post(11, alice, "Hello, world! (typo fixed)", 8)
    edited.edited_at = edited.timestamp
    return [
        (_("A post"), {"post": s.post(1, alice, "Hello, world!", 5)}),
        (_("A long unbroken word"), {"post": s.post(9, bob, "x" * 140, 60 * 24 * 40)}),
        (
            _("A post with a hover card on its author and search words highlighted"),
            {
                "post": s.post(10, bob, "Cats <3 cats", 3, language="en"),
                "body_html": highlight("Cats <3 cats", ["cat"]),
            },
        ),
        (_("An edited post"), {"post": edited}),
    ]
