"""Browser fixtures: Debian's Chromium through pytest-playwright, a real server per test, and a watch on
every page for console errors, CSP violations and failed requests."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from microblog.extensions import db
from microblog.messages.models import Message
from tests.conftest import PASSWORD, make_app, make_post, make_user, require, send

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOME = re.compile(r"^[^?#]*://[^/]+/(index)?$")
POLL_MS = 10_000  # the badge's `every 10s`


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_present():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        require("BROWSER", f"{CHROMIUM} not found (apt-get install chromium): browser tests skipped")


@pytest.fixture(scope="session")
def browser_type_launch_args(chromium_present, browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at Debian's Chromium (`playwright install` cannot work here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


class LiveServer:
    """A real threaded werkzeug server on a free loopback port, CSRF on, SQLite file database."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config.update(PUBLIC_URL=self.url, TRUSTED_HOSTS=["127.0.0.1"])  # emails link here
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        from microblog.push import get_push

        get_push(self.app).stop()  # ends the open streams and the fan-out thread
        self.server.shutdown()
        self.thread.join(5)
        with self.app.app_context():
            db.engine.dispose()

    # Data set up straight in the database (what the test is about goes through the browser).
    def user(self, name: str, **kwargs):
        with self.app.app_context():
            return make_user(name, **kwargs).id

    def posts(self, name: str, bodies: list[str]):
        with self.app.app_context():
            from microblog.users.models import User

            author = User.by_username(name)
            for body in bodies:
                make_post(author, body)

    def message(self, sender: str, recipient: str, body: str):
        with self.app.app_context():
            from microblog.users.models import User

            send(User.by_username(sender), User.by_username(recipient), body)

    def message_count(self, **where) -> int:
        with self.app.app_context():
            return db.session.query(Message).filter_by(**where).count()


@pytest.fixture
def live_server(tmp_path, chromium_present):
    app = make_app(
        "sqlite:///" + str(tmp_path / "browser.db"),
        WTF_CSRF_ENABLED=True,
        SERVER_NAME=None,
        TESTING=False,  # the app as it runs for real (errors answered by its handlers)
        POSTS_PER_PAGE=3,
        MESSAGES_PER_PAGE=3,
    )
    server = LiveServer(app)
    yield server
    server.stop()


# Console lines that are not problems: Chromium logs every 4xx response, and 422 is how the app
# answers an invalid form (by design, SPEC/STYLE), with or without htmx.
EXPECTED = [re.compile(r"Failed to load resource: the server responded with a status of 422\b")]

# Known app bugs, tolerated here so the other assertions keep running; each has its own
# xfail(strict=True) test that fails once the bug is fixed, so the entry gets removed.
KNOWN_BUGS: list[re.Pattern] = []


class Watch:
    """Everything a page should never show: console errors, uncaught exceptions, CSP violations,
    failed requests and server errors."""

    def __init__(self):
        self.problems: list[str] = []
        self.known: list[str] = []

    def attach(self, context):
        """Chromium logs every CSP violation as a console error, so the console listener sees those too."""
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        context.on("requestfailed", self._failed)
        context.on("response", self._response)
        return context

    def _failed(self, request):
        # A page's own loads (its favicon, say) are cancelled when the test moves on before they end:
        # not a failure. A cancelled htmx request (xhr) is one.
        if request.failure == "net::ERR_ABORTED" and request.resource_type not in ("xhr", "fetch"):
            return
        # A refetch that a push event started just as the page was left (the `unread` that opening
        # /messages publishes, or the `message` a reply publishes, reaches the old page): the badge's, or an
        # open thread's `?after=`. The next page renders the same state anyway.
        if (
            request.failure == "net::ERR_ABORTED"
            and request.method == "GET"
            and (
                "/notifications/badge" in request.url
                or re.search(r"/messages/[^/?]+\?after=\d+(&v=\d+)?$", request.url)
                or re.search(r"/messages\?state=", request.url)
            )
        ):  # the conversation list's refetch too
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def _console(self, message):
        if message.type != "error" or any(p.search(message.text) for p in EXPECTED):
            return
        line = f"console error: {message.text} at {message.location.get('url')}"
        (self.known if any(p.search(message.text) for p in KNOWN_BUGS) else self.problems).append(line)

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"server error: {response.status} {response.url}")

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def watch():
    watch = Watch()
    yield watch
    watch.assert_clean()


@pytest.fixture
def new_context(browser, live_server, watch):
    """Make browser contexts against the live server, each watched; closed after the test."""
    contexts = []

    def _new(locale: str = "en-US", **kwargs):
        context = browser.new_context(base_url=live_server.url, locale=locale, **kwargs)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return watch.attach(context)

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def alice_on_bobs_profile(live_server, new_context):
    """A page signed in as alice, showing bob's profile (both users exist)."""
    live_server.user("alice")
    live_server.user("bob")
    page = new_context().new_page()
    sign_in(page, "alice")
    page.goto("/user/bob")
    return page


def sign_in(page, username: str, password: str = PASSWORD):
    """Sign in through the real form; lands on the home page. Chromium's own sign-in, not `signed_in()`:
    that fixture drives Flask's test client, and a browser page has its own cookie jar and server."""
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(HOME)


def mark_document(page):
    """Tag the current document; `same_document(page)` is true until a full page load replaces it."""
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def screenshot(page, name: str, **kwargs):
    """With SCREENSHOTS=1, save a screenshot to docs/screenshots/<name>.png."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **kwargs)
