"""Every blueprint the app serves, with its URL prefix: registered here and nowhere else."""

from __future__ import annotations

from flask import Flask

from .activity.views import bp as activity
from .auth.password_reset import bp as password_reset
from .auth.second_step import bp as second_step
from .auth.verification import bp as verification
from .auth.views import bp as auth
from .export.views import bp as export
from .gallery.views import bp as gallery
from .messages.views import bp as messages
from .notifications.email_views import bp as email
from .notifications.views import bp as notifications
from .posts.translation import bp as translation
from .posts.views import bp as posts
from .push.views import bp as push
from .search.views import bp as search
from .settings.views import bp as settings
from .users.appearance import bp as appearance
from .users.views import bp as users

BLUEPRINTS = [
    (auth, "/auth"),
    (posts, None),
    (users, None),  # profiles, and follows and blocks (users/relation_views.py)
    (messages, None),
    (notifications, None),
    (gallery, "/gallery"),
    (activity, None),
    (password_reset, "/auth"),  # SPEC S15
    (verification, "/auth"),  # SPEC S19
    (second_step, "/auth"),
    (settings, "/settings"),
    (search, None),
    (translation, None),
    (appearance, None),  # issue 24: the light/dark/system setting
    (push, None),  # /events
    (email, "/email"),  # SPEC S18: email settings and one-click unsubscribe
    (export, None),
]


def init_app(app: Flask) -> None:
    for blueprint, url_prefix in BLUEPRINTS:
        app.register_blueprint(blueprint, url_prefix=url_prefix)
