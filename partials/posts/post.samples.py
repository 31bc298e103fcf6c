"""Samples for the partials gallery: partials/posts/post.html."""
from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.search.engine import highlight


def with_language(post, language):
    post.language = language  # posts have one (messages do not): they get a hover card
    return post


def samples():
    alice, bob = s.user("alice", 1), s.user("bob", 2)
    return [
        (_("A post"), {"post": s.post(1, alice, "Hello, world!", 5)}),
        (_("A received message, with Reply"), {"post": s.post(7, bob, "Lunch tomorrow?", 60, recipient=alice),
                                               "dom_id": "message-7", "reply": True}),
        (_("A sent message"), {"post": s.post(8, alice, "Sure!", 1, recipient=bob), "dom_id": "message-8",
                               "to_user": bob}),
        (_("A long unbroken word"), {"post": s.post(9, bob, "x" * 140, 60 * 24 * 40)}),
        (_("A post with a hover card on its author and search words highlighted"),
         {"post": with_language(s.post(10, bob, "Cats <3 cats", 3), "en"),
          "body_html": highlight("Cats <3 cats", ["cat"])}),
    ]
