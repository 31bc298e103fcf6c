"""Samples for the partials gallery: partials/shared/pagination.html."""

from flask_babel import gettext as _

from microblog.gallery import samples as s


def samples():
    explore = {"endpoint": "posts.explore", "endpoint_args": {}, "target": "post-list"}
    return [
        (_("First page"), {"pagination": s.page([], 1, has_next=True), **explore}),
        (_("Middle page"), {"pagination": s.page([], 2, has_next=True), **explore}),
        (_("Last page"), {"pagination": s.page([], 3, has_next=False), **explore}),
        (_("Only one page (renders nothing)"), {"pagination": s.page([], 1), **explore}),
    ]
