"""Samples for the partials gallery: partials/notifications/email_settings.html."""

from flask_babel import gettext as _

from microblog.notifications.email_views import EmailSettingsForm


def samples():
    form = EmailSettingsForm(formdata=None, unread="daily", meta={"csrf": False})
    wrong = EmailSettingsForm(formdata=None, meta={"csrf": False})
    wrong.unread.errors = [_("Not a valid choice.")]
    return [(_("A daily digest chosen"), {"form": form}), (_("A choice that is not one"), {"form": wrong})]
