"""Samples for the partials gallery: partials/messages/form.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s
from microblog.messages.forms import MessageForm


def samples():
    return [
        (_("Empty form"), {"form": MessageForm(formdata=None), "other": s.user("bob", 2)}),
        (
            _("With an error"),
            {
                "form": s.with_errors(MessageForm(formdata=None), message=_("This field cannot be empty.")),
                "other": s.user("bob", 2),
            },
        ),
        (_("After sending, focused"), {"form": MessageForm(formdata=None), "other": s.user("bob", 2), "focus": True}),
    ]
