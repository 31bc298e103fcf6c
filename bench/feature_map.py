"""Which part of the app a running frame belongs to, for `make bench-features` (bench/features.py, issue 27 item 4).

A frame belongs to the part that owns its file: a compiled template's code objects carry the template's file
name, a Python function its module's. Paths are relative to the checkout. The parts:

    layout     base.html and what it includes for every page (flashes); the navbar is in base.html
    core       the app before issues 21-24: chapter 21's posts, follows, messages and badge, and what the
               earlier rounds added (activity, search, hover cards, translation, blocks, push, the unread package)
    accounts   issue 21: settings, verification, two-factor sign-in, account deletion
    messenger  issue 22: New message, links and mentions in text, per-message actions and reactions, Seen, the
               live list, mute, message search
    reach      issue 23: the count in the tab title, unread-message email, jobs, export
    home       issue 24: post pages, edit and delete, the landing page, appearance (dark mode)

The rule, so that every sample lands somewhere a reader can check:
- A file counts whole to one part. A file that existed before issues 21-24 stays `core` even where a feature
  changed it (partials/messages/message.html shows reactions, partials/posts/post.html Edit and Delete): such
  a feature's cost is counted where it runs through the feature's own Python or partials (its functions
  below are listed by name). The knock-outs (bench/features.py) measure the rest: a feature's partials, and
  what its template functions (CODE below) let a core partial render.
- Helpers every part uses (templating.py's url_for and gettext, time tags, htmx.render, pagination, macros.html)
  are TRANSPARENT: their time is their caller's. Libraries (Jinja's runtime, MarkupSafe, SQLAlchemy, Babel)
  are too: a sample is charged to the innermost frame on the stack that belongs to a part.
- A sample with no such frame is the request's `framework` part (Flask, Werkzeug, the test client); a sample
  in the bench's own code (`bench/`, `tools/`: between requests, outside every page) is `harness`.
"""

from __future__ import annotations

from functools import cache

PARTS = ("framework", "layout", "core", "accounts", "messenger", "reach", "home")
FEATURES = ("accounts", "messenger", "reach", "home")
TRANSPARENT = "transparent"
HARNESS = "harness"

# Longest matching prefix wins; a key ending in ".html" or ".py" is one file, a key ending in "/" a folder.
FILES = {
    # layout
    "templates/base.html": "layout",
    "partials/shared/flashes.html": "layout",
    "templates/macros.html": TRANSPARENT,  # nav_link (the navbar's, so layout) and form fields (their form's)
    # core: everything else in the app (the default below); listed here only to say so
    "partials/shared/navbar_counts.html": "core",  # the two counts: the chapter-21 badge and activity's
    "partials/search/form.html": "core",  # the navbar's search box (issue 13)
    # helpers: charged to their caller
    "microblog/templating.py": TRANSPARENT,
    "microblog/formatting.py": TRANSPARENT,
    "microblog/htmx.py": TRANSPARENT,
    "microblog/pagination.py": TRANSPARENT,
    "microblog/database.py": TRANSPARENT,
    "microblog/extensions.py": TRANSPARENT,
    # accounts (issue 21)
    "microblog/settings/": "accounts",
    "microblog/auth/two_factor.py": "accounts",
    "microblog/auth/second_step.py": "accounts",
    "microblog/auth/verification.py": "accounts",
    "microblog/users/account.py": "accounts",
    "microblog/users/deletion.py": "accounts",
    "microblog/users/email.py": "accounts",
    "partials/settings/": "accounts",
    "templates/settings/": "accounts",
    "templates/auth/login_code.html": "accounts",
    "templates/auth/verify_email.html": "accounts",
    "templates/email/verify_email.": "accounts",
    "templates/email/notice.": "accounts",
    # messenger (issue 22)
    "microblog/messages/actions.py": "messenger",
    "microblog/messages/message_views.py": "messenger",
    "microblog/messages/conversation_views.py": "messenger",
    "microblog/messages/picker.py": "messenger",
    "microblog/search/messages.py": "messenger",
    "partials/messages/actions.html": "messenger",
    "partials/messages/changed.html": "messenger",
    "partials/messages/controls.html": "messenger",
    "partials/messages/edit.html": "messenger",
    "partials/messages/people.html": "messenger",
    "partials/messages/seen.html": "messenger",
    "templates/messages/actions.html": "messenger",
    "templates/messages/confirm_delete.html": "messenger",
    "templates/messages/edit.html": "messenger",
    "templates/messages/new.html": "messenger",
    # reach (issue 23)
    "microblog/notifications/email_": "reach",
    "microblog/notifications/unread_email.py": "reach",
    "microblog/jobs/": "reach",
    "microblog/export/": "reach",
    "partials/shared/title.html": "reach",  # the page's <title>, "(N) " first since issue 23
    "partials/notifications/email_settings.html": "reach",
    "partials/notifications/unread_email.html": "reach",
    "partials/notifications/digest_email.html": "reach",
    "partials/notifications/unsubscribe.html": "reach",
    "partials/export/": "reach",
    "templates/export/": "reach",
    "templates/notifications/": "reach",
    "templates/email/unread.": "reach",
    "templates/email/digest.": "reach",
    "templates/email/export_ready.": "reach",
    # home (issue 24)
    "microblog/posts/changes.py": "home",
    "microblog/users/appearance.py": "home",
    "partials/posts/edit.html": "home",
    "templates/posts/post.html": "home",
    "templates/posts/edit.html": "home",
    "templates/posts/delete.html": "home",
    "templates/posts/landing.html": "home",
    "templates/users/appearance.html": "home",
}

# Functions of a part inside a file of another (or a helper's): (file, function name) -> part or TRANSPARENT.
FUNCTIONS = {
    ("microblog/formatting.py", "linkify"): "messenger",  # links and @mentions in posts and messages (22.3)
    ("microblog/formatting.py", "_mentions"): "messenger",
    ("microblog/formatting.py", "_url_end"): "messenger",
    ("microblog/formatting.py", "safe_url"): "messenger",
    ("microblog/templating.py", "can_edit"): "home",  # a post's Edit and Delete (24.2)
    ("microblog/templating.py", "can_delete"): "home",
    ("microblog/posts/models.py", "may_edit"): "home",
    ("microblog/posts/models.py", "may_delete"): "home",
    # WSGI middleware wraps every request: its frame is under everything (its body check is core's)
    ("microblog/bodies.py", "__call__"): TRANSPARENT,
}

# What the app hands every template for a feature (microblog/templating.py), knocked out by bench/features.py
# without changing the app, as if the feature were not there: globals answer False, filters give the text
# escaped (as before issue 22). It measures what the file rule cannot see: the markup those functions let a
# core partial render (a post's Delete form in partials/posts/post.html).
CODE = {
    "home": {"globals": ("can_edit", "can_delete")},  # a post's Edit and Delete controls (24.2)
    "messenger": {"filters": ("linkify",)},  # links and @mentions in posts and messages (22.3)
}

APP_ROOTS = ("microblog/", "templates/", "partials/")
HARNESS_ROOTS = ("bench/", "tools/")


@cache
def part_of(path: str, function: str = "") -> str | None:
    """The part owning `function` in `path` (relative to the checkout): a name from PARTS, TRANSPARENT,
    HARNESS, or None for a file outside the app (a library: transparent as well)."""
    if path.startswith(HARNESS_ROOTS):
        return HARNESS
    if not path.startswith(APP_ROOTS):
        return None
    if (path, function) in FUNCTIONS:
        return FUNCTIONS[(path, function)]
    best = max((key for key in FILES if path.startswith(key)), key=len, default=None)
    return FILES[best] if best is not None else "core"


def owner(stack: list[tuple[str, str]]) -> tuple[str, str]:
    """(part, path) a sample is charged to: `stack` is (path, function) from the innermost frame outwards. Library
    frames under no app frame (Flask, Werkzeug, the test client) are the request's `framework`; a sample in the
    bench's own code is `harness`."""
    for depth, (path, function) in enumerate(stack):
        part = part_of(path, function)
        if part == HARNESS:
            return (HARNESS, path) if depth == 0 else ("framework", "")
        if part not in (None, TRANSPARENT):
            return part, path
    return "framework", ""


def charge(stack: list[tuple[str, str]]) -> str:
    """The part a sample or a statement is charged to (see `owner`)."""
    return owner(stack)[0]


def templates_of(part: str, paths: list[str]) -> list[str]:
    """The partials (template names under partials/) among `paths` that belong to `part`: what a knock-out
    empties. Pages (templates/) are left out: emptying a page would empty the layout that it extends."""
    return sorted(p for p in paths if p.startswith("partials/") and p.endswith(".html") and part_of(p) == part)


def functions_of(part: str) -> frozenset[tuple[str, str]]:
    """The (file, function) entries of FUNCTIONS that belong to `part`."""
    return frozenset(key for key, who in FUNCTIONS.items() if who == part)
