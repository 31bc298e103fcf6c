"""Samples for the partials gallery: partials/messages/edit.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.messages.forms import EditForm

ALICE, BOB = s.user("alice", 1), s.user("bob", 2)


def samples():
    message = s.message(8, ALICE, BOB, "Sure, at noon.", 2)
    return [
        (
            _("Editing your message"),
            {"form": EditForm(formdata=None, message=message.body), "message": message, "other": BOB},
        ),
        (
            _("Editing: an empty text"),
            {
                "form": s.with_errors(EditForm(formdata=None), message=_("This field is required.")),
                "message": message,
                "other": BOB,
            },
        ),
    ]
