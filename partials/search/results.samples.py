"""Samples for the partials gallery: partials/search/results.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s


def samples():
    bob = s.user("bob", 2)
    carol = s.user("catherine", 3, about_me="Trains, cats and the early morning light.")
    posts = [
        s.post(3, bob, "My cat sleeps all day; cats are like that.", 2),
        s.post(2, carol, "Catching the early train <again>.", 60 * 5),
    ]
    common = {"endpoint": "search.search"}
    return [
        (
            _("Results with people and a next page"),
            {
                "q": "cat",
                "words": ["cat"],
                "posts": s.page(posts, 1, has_next=True),
                "users": [carol],
                "endpoint_args": {"q": "cat"},
                **common,
            },
        ),
        (
            _("No result"),
            {
                "q": "zebra",
                "words": ["zebra"],
                "posts": s.page([]),
                "users": [],
                "endpoint_args": {"q": "zebra"},
                **common,
            },
        ),
        (
            _("My messages that match"),
            {
                "q": "lunch",
                "words": ["lunch"],
                "posts": s.page([]),
                "users": [],
                "tab": "messages",
                "me": s.user("alice", 1),
                "hits": s.page(
                    [
                        (s.message(12, bob, s.user("alice", 1), "Lunch tomorrow?", 3), bob),
                        (s.message(9, s.user("alice", 1), carol, "Lunch was great", 60 * 30), carol),
                    ]
                ),
                "endpoint_args": {"q": "lunch", "tab": "messages"},
                **common,
            },
        ),
        (
            _("Empty query: a hint"),
            {"q": "", "words": [], "posts": s.page([]), "users": [], "endpoint_args": {"q": ""}, **common},
        ),
    ]
