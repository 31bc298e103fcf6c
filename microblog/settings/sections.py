"""The sections of the settings area and how one is answered: the page, or the section's fragment
with the settings nav out-of-band (its current link follows)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..htmx import render_form

# (section, endpoint, nav label), in the nav's order: a new section is one more line here, a view, and its
# partial partials/settings/<section>.html. Sections of other blueprints (email, appearance, export) are
# their own pages: the nav links them plainly.
SECTIONS = [
    ("profile", "settings.profile", _l("Profile")),
    ("privacy", "settings.privacy", _l("Privacy")),
    ("account", "settings.account", _l("Email and password")),
    ("two_factor", "settings.two_factor", _l("Two-factor sign-in")),
    ("email", "email.settings", _l("Email notifications")),
    ("appearance", "appearance.appearance", _l("Appearance")),
    ("blocked", "settings.blocked", _l("Blocked people")),
    ("export", "export.export_page", _l("Export my data")),
    ("delete", "settings.delete", _l("Delete account")),
]
LABELS = {name: label for name, _endpoint, label in SECTIONS}
NAV = "partials/settings/nav.html"


def render_section(section: str, status: int | None = None, **context):
    """The settings page showing `section`, or for a plain htmx request its partial (plus the nav, oob);
    422 after a submission that failed (htmx.render_form), unless `status` says otherwise."""
    title = f"{LABELS[section]} · {_l('Settings')}"
    return render_form(
        "settings/section.html",
        f"partials/settings/{section}.html",
        status=status,
        oob=(NAV,),
        title=title,
        section=section,
        sections=SECTIONS,
        **context,
    )
