"""Samples for the partials gallery: partials/shared/flashes.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s


def samples():
    return [
        (
            _("Success and info"),
            {
                "get_flashed_messages": s.flashes(
                    ("success", _("Your message has been sent.")), ("info", _("You have signed out."))
                )
            },
        ),
        (_("Warning"), {"get_flashed_messages": s.flashes(("warning", _("Please sign in to access this page.")))}),
        (_("Nothing flashed (empty container)"), {"get_flashed_messages": s.flashes()}),
    ]
