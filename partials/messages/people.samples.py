"""Samples for the partials gallery: partials/messages/people.html."""

from types import SimpleNamespace

from flask_babel import gettext as _


def person(name: str, id: int) -> SimpleNamespace:
    return SimpleNamespace(id=id, username=name, username_key=name.lower())


def samples():
    found = [
        (person("bob", 2), None),
        (person("bobby", 3), _("%(username)s accepts messages only from people they follow.", username="bobby")),
        (person("bobcat", 4), _("%(username)s does not accept messages.", username="bobcat")),
    ]
    return [
        (_("People you may message first, then why not"), {"q": "bo", "people": found}),
        (_("Nobody matches"), {"q": "zed", "people": []}),
        (_("Nothing typed yet"), {"q": "", "people": []}),
    ]
