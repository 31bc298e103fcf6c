"""Samples for the partials gallery: partials/activity/list.html."""

from flask_babel import gettext as _

from microblog.activity.views import Group
from microblog.gallery import samples as s


def samples():
    bob, carol, dave = s.user("bob", 2), s.user("carol", 3), s.user("dave", 4)
    mention = s.post(7, bob, "Lunch with @alice today?", 5)
    groups = [
        Group(kind="mention", newest_id=9, actors=[bob], post=mention, timestamp=mention.timestamp),
        Group(kind="follow", newest_id=8, actors=[carol, dave, bob], timestamp=s.post(minutes_ago=90).timestamp),
        Group(kind="follow", newest_id=3, actors=[dave], timestamp=s.post(minutes_ago=60 * 24 * 3).timestamp),
    ]
    here = {"endpoint": "activity.activity", "endpoint_args": {}}
    return [
        (
            _("Grouped followers and a mention, with an older page"),
            {"groups": groups, "activities": s.page(groups, 1, has_next=True), **here},
        ),
        (_("One follower"), {"groups": groups[2:], "activities": s.page(groups[2:]), **here}),
        (_("No activity"), {"groups": [], "activities": s.page([]), **here}),
    ]
