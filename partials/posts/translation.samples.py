"""Samples for the partials gallery: partials/posts/translation.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s


def samples():
    post = s.post(4, s.user("bob", 2), "Hola, ¿cómo estás? Hoy hace buen tiempo en Madrid.", 10)
    return [
        (
            _("A translation"),
            {
                "post": post,
                "translation": "Hello, how are you? The weather is nice in Madrid today.",
                "error": None,
                "target": "en",
            },
        ),
        (
            _("The translation service failed"),
            {
                "post": post,
                "translation": None,
                "target": "en",
                "error": _("The translation service took too long to answer. Please try again later."),
            },
        ),
    ]
