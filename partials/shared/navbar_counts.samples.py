"""Samples for the partials gallery: partials/shared/navbar_counts.html."""

from flask_babel import gettext as _

from microblog.unread.counts import Counts


def samples():
    return [
        (_("Nothing unread"), {"counts": Counts(), "endpoint": "posts.index"}),
        (_("Unread messages and activity"), {"counts": Counts(messages=3, activity=120), "endpoint": "posts.index"}),
        (_("On the messages page"), {"counts": Counts(messages=1, activity=0), "endpoint": "messages.messages"}),
    ]
