"""Samples for the partials gallery: partials/messages/poller.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s


def samples():
    return [(_("The open thread's poll"), {"other": s.user("bob", 2), "after": 8, "version": 12})]
