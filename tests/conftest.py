"""Fixtures: an app per test on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, clients, factories."""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import re
import shutil
import tempfile
import types
import uuid
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from microblog import create_app
from microblog.extensions import db
from microblog.messages.acts import send as send_message
from microblog.posts.models import Post
from microblog.ratelimit import RateLimitHit
from microblog.users.models import User
from microblog.users.names import username_key
from tools.harness import databases
from tools.harness.databases import drop_database
from tests.html import Actor, actor

PASSWORD = "correct horse battery"
HTMX = {"HX-Request": "true"}

# Tests only: the cycle collector's youngest generation collected every 7,000 net allocations instead of 700.
# A test allocates a great deal that dies young (apps, parsed pages) and each collection also walks the
# survivors: 13% of a test process's CPU went to the collector, 6% now. Every cycle is still collected.
gc.set_threshold(7000, *gc.get_threshold()[1:])


def pg_url() -> str | None:
    """TEST_DATABASE_URL; under pytest-xdist, each worker's own database beside it (`<name>_gw0`, ...)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        url = databases.with_database(url, f"{databases.database_name(url)}_{worker}")
    return url


# Groups of tests skipped for a missing prerequisite: REQUIRE_<KIND>=1 (CI) fails them instead; a local run
# prints one line per group (pytest_terminal_summary below) rather than one SKIPPED line per test.
SKIP_GROUPS = {
    "PG": "PostgreSQL tests (TEST_DATABASE_URL not set)",
    "BROWSER": "browser tests (no Chromium)",
}
_skip_kind: dict[str, str] = {}  # skip reason -> its group (in the process that ran the test)


def require(kind: str, reason: str):
    """Skip for a missing prerequisite, or fail when REQUIRE_<KIND>=1 says it must be there."""
    if os.environ.get(f"REQUIRE_{kind}") == "1":
        pytest.fail(f"REQUIRE_{kind}=1 but {reason}")
    _skip_kind[reason] = kind
    pytest.skip(reason)


def _skip_reason(report) -> str:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip's group travels with its report (an xdist worker's reports reach the summary's process)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _skip_kind.get(_skip_reason(report)):
        report.user_properties.append(("skip_group", _skip_kind[_skip_reason(report)]))


def pytest_terminal_summary(terminalreporter, config):
    """One line for the skipped tests: how many per missing prerequisite, then any other reason. `make test`
    runs two parts (tests/README.md): the first hands its counts to the second through SKIPS_FILE."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller sums up every worker's reports
    counts: dict[str, int] = {}
    carried = os.environ.get("SKIPS_FILE")
    if carried and os.path.exists(carried) and os.path.getsize(carried):
        with open(carried) as file:
            counts = json.load(file)
    for report in terminalreporter.stats.get("skipped", []):
        reason = _skip_reason(report)
        label = SKIP_GROUPS.get(dict(report.user_properties).get("skip_group", ""), reason)
        counts[label] = counts.get(label, 0) + 1
    if carried and config.getoption("part") == "parallel":
        with open(carried, "w") as file:
            json.dump(counts, file)
    elif counts:
        terminalreporter.write_line("skipped: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
    if not PG_CONFIGURED and not (carried and config.getoption("part") == "parallel"):
        terminalreporter.write_line("PostgreSQL: not configured (TEST_DATABASE_URL), the database tests ran on SQLite")


# Tests that must have the machine to themselves (timing, many processes, a fixed port): tests/load/ (its
# fault test runs a PostgreSQL cluster on port 5439). `make test` runs them after the parallel part.
SERIAL_DIRS = ("load",)


def pytest_addoption(parser):
    parser.addoption(
        "--part",
        choices=("parallel", "serial"),
        help="only the tests that may run beside others (parallel), or only the others (serial)",
    )


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    serial_dirs = [here / name for name in SERIAL_DIRS]
    for item in items:
        if any(d in Path(item.fspath).parents for d in serial_dirs):
            item.add_marker(pytest.mark.serial)
    part = config.getoption("part")
    if part:
        serial = [item.get_closest_marker("serial") is not None for item in items]
        keep = [item for item, s in zip(items, serial) if s == (part == "serial")]
        if len(keep) < len(items):
            config.hook.pytest_deselected(items=[item for item, s in zip(items, serial) if s != (part == "serial")])
            items[:] = keep


def only_on(*databases: str):
    """Run a test on some of the databases only (instead of skipping it on the others)."""
    return pytest.mark.parametrize("database_url", databases, indirect=True)


@pytest.fixture(scope="session")
def pg_engine():
    """The PostgreSQL test database with the models' tables; an xdist worker's own one is created here and
    dropped after the session (TEST_DATABASE_URL's role needs CREATEDB)."""
    url = pg_url()
    if not url:
        require("PG", "TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    own = os.environ.get("PYTEST_XDIST_WORKER") is not None
    if own:
        databases.create(url, databases.database_name(url), replace=True)
    app = make_app(url, create_tables=False)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield url
    if own:
        databases.drop(url, databases.database_name(url))


@pytest.fixture
def scratch_pg_url():
    """A PostgreSQL database of its own, created empty for the test and dropped after it (migration tests)."""
    with scratch_pg_database("microblog_migr") as url:
        yield url


# The databases every database test runs on: PostgreSQL cases exist only when one is configured (or CI's
# REQUIRE_PG=1 asks for them, so that a missing database fails them instead of passing unnoticed).
PG_CONFIGURED = bool(pg_url()) or os.environ.get("REQUIRE_PG") == "1"
DATABASES = ("sqlite", "postgresql") if PG_CONFIGURED else ("sqlite",)


@pytest.fixture(params=DATABASES)
def database_url(request):
    """Where this test's app keeps its data: a fresh SQLite file (in a folder of its own, removed after the
    test), or the shared PostgreSQL test database emptied after the test."""
    if request.param == "sqlite":
        folder = tempfile.mkdtemp(dir=files_folder())
        yield "sqlite:///" + os.path.join(folder, "test.db")
        shutil.rmtree(folder, ignore_errors=True)
        return
    url = request.getfixturevalue("pg_engine")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                'TRUNCATE "user", post, followers, message, conversation, conversation_member, notification, rate_limit_hit, push_event, activity, block, message_reaction, message_hidden, reserved_name, recovery_code, email_preference, unread_email, data_export, conversation_list_version RESTART IDENTITY CASCADE'
            )
        )
    engine.dispose()


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context (its own `g`, its own database
    session), as in production, even though the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        in_test_context = _cv_app.get(None) is not None  # False in the concurrency tests' threads
        if in_test_context:
            db.session.commit()  # the test's session: make its data visible, end its transaction
        token = _cv_app.set(None)
        try:
            response = super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
        if in_test_context:
            db.session.expire_all()  # the test reads what the request stored, not stale copies
        return response


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept across the apps of a test run (every test builds a new app, whose Jinja
    environment would compile each template again: a third of the suite's time). Keyed by template and
    checked against its source, as Jinja's own caches are. The code objects themselves are kept (immutable,
    each environment runs them in a namespace of its own), not marshalled bytes to load again per app."""

    def __init__(self):
        self.code: dict[str, tuple[str, types.CodeType]] = {}

    def load_bytecode(self, bucket):
        checksum, code = self.code.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATE_CODE = SharedTemplateCode()


def _compile_url_builders_on_first_use() -> None:
    """Tests only: every test makes its own app, and Werkzeug compiles two URL builders (Python source, then
    `compile()`) for each of the app's ~60 rules as it registers them: half the cost of making an app, for
    links a test mostly never builds. Here a rule's builder is compiled the first time it builds a URL, to
    the same function, and once per process for the equal rules of all the apps: the function takes its rule
    as an argument, and its code is made of the rule's text, parts and defaults, the key (a default for one of
    the rule's variables goes through the rule's converter: such a rule keeps a function of its own). Where
    Werkzeug has no `_compile_builder` any more, apps are made as before."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "on_first_use", False):
        return
    compiled_builders: dict[tuple, object] = {}

    def on_first_use(rule, append_unknown: bool = True):
        def build(bound_rule, *args, **kwargs):
            defaults = bound_rule.defaults or {}
            key = (bound_rule.rule, tuple(bound_rule._trace), repr(sorted(defaults.items())), append_unknown)
            compiled = compiled_builders.get(key)
            if compiled is None:
                compiled = compile_builder(bound_rule, append_unknown)
                if not any(dynamic and name in defaults for dynamic, name in bound_rule._trace):
                    compiled_builders[key] = compiled
            setattr(bound_rule, "_build_unknown" if append_unknown else "_build", compiled.__get__(bound_rule, None))
            return compiled(bound_rule, *args, **kwargs)

        return build

    on_first_use.on_first_use = True
    on_first_use.werkzeug = compile_builder  # Werkzeug's own (tests/test_sharing.py compares)
    Rule._compile_builder = on_first_use


_compile_url_builders_on_first_use()


def _parse_rules_once() -> None:
    """Tests only: as each new app registers its ~60 rules, Werkzeug parses every one (its parts' regular
    expressions, weights and converters): a sixth of making an app. Here a rule is parsed once per process: a
    rule equal in text and settings (subdomain, host, slashes, defaults, the map's converters) gets copies of
    the first one's parts, trace and converters (read only after: by the matcher, by URL building; a converter
    keeps no state but its settings) and its own builders, as `Rule.compile` would give it."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    if getattr(compile_rule, "once", False) or not hasattr(Rule, "_parse_rule"):
        return
    parsed: dict[tuple, tuple] = {}

    def compile_once(rule) -> None:
        rules = rule.map
        defaults = rule.defaults or {}
        key = (rule.rule, rule.subdomain, rule.host, rule.merge_slashes, rules.host_matching,
               repr(sorted(defaults.items())), tuple(rules.converters.items()))  # fmt: skip
        found = parsed.get(key)
        if found is None:
            compile_rule(rule)
            parsed[key] = (list(rule._parts), list(rule._trace), dict(rule._converters), rule.arguments - set(defaults))
            return
        parts, trace, converters, arguments = found
        rule._parts, rule._trace, rule._converters = list(parts), list(trace), dict(converters)
        rule.arguments.update(arguments)
        rule._build = rule._compile_builder(False).__get__(rule, None)
        rule._build_unknown = rule._compile_builder(True).__get__(rule, None)

    compile_once.once = True
    compile_once.werkzeug = compile_rule  # Werkzeug's own (tests/test_sharing.py compares)
    Rule.compile = compile_once


_parse_rules_once()


def _scan_static_files_once() -> None:
    """Tests only: each new app's WhiteNoise walks microblog/static/ and builds every file's headers (a quarter
    of making an app). Here a folder is read once per process for the same WhiteNoise settings and the same
    files (names, sizes, modification times, still listed for each app): a later app takes the first one's
    `StaticFile`s, which are only read after (each answer opens its file anew)."""
    from whitenoise import base

    update = base.WhiteNoise.update_files_dictionary
    if getattr(update, "once", False) or not hasattr(base, "scantree"):
        return
    found: dict[tuple, dict] = {}

    def update_once(self, root, prefix):
        files = tuple((path, stat.st_size, stat.st_mtime_ns) for path, stat in base.scantree(root))
        settings = (self.max_age, self.allow_all_origins, self.charset, self.index_file, self.add_headers_function,
                    self.immutable_file_test, tuple(sorted(self.media_types.types_map.items())))  # fmt: skip
        key = (root, prefix, files, settings)
        if key in found:
            self.files.update(found[key])
            return
        before = dict(self.files)
        update(self, root, prefix)
        found[key] = {url: file for url, file in self.files.items() if before.get(url) is not file}

    update_once.once = True
    update_once.whitenoise = update  # WhiteNoise's own (tests/test_sharing.py compares)
    base.WhiteNoise.update_files_dictionary = update_once


_scan_static_files_once()


class SharedDialects:
    """Tests only: every test makes its own app, so its own engine, so its own dialect, and SQLAlchemy keys its
    compiled-statement cache by the dialect object: each test compiled every statement again (~2 ms each, a
    sixth of the suite's time) and rebuilt the dialect's type memos. Here the engines of a test process with
    the same backend and options share one dialect and one compiled cache, as an engine and its
    `execution_options()` copies do. What a dialect holds is the server's facts that `initialize()` reads at
    the first connection (version, default schema and isolation level, identifier length) and its options:
    so the key is the driver, the server and its database (PostgreSQL: the worker's own database; SQLite: the
    library, whatever the file, though a memory database apart) and every engine option. The first engine to
    connect lends its dialect, initialized from that real connection; an engine made later takes it before
    it connects (its pool too: the pool rolls back and closes through its dialect). Each engine keeps its own
    pool, connections and events."""

    def __init__(self):
        self.shared: dict[tuple, tuple] = {}

    def share(self, engine: sa.Engine, options: dict) -> None:
        url = engine.url
        sqlite = url.get_backend_name() == "sqlite"
        memory = sqlite and url.database in (None, "", ":memory:")
        server = ("file", memory) if sqlite else (url.host, url.port, url.username, url.database)
        key = (url.drivername, server, tuple(sorted(url.query.items())), repr(sorted(options.items())))
        found = self.shared.get(key)
        if found is None:

            def lend(*_connection):  # after create_engine's own listener: the dialect is initialized
                self.shared.setdefault(key, (engine.dialect, engine._compiled_cache))

            sa.event.listen(engine.pool, "connect", lend, once=True)
            return
        engine.dialect, engine._compiled_cache = found
        engine.pool._dialect = found[0]


DIALECTS = SharedDialects()


def make_app(database_url: str, create_tables: bool = True, **overrides):
    """The one app factory of the tests (browser and load tests too): `create_app` with the test
    settings, `overrides` on top; the SQLite tables created unless `create_tables=False` (migration tests).
    Only the tests of create_app's own reading of the environment (production settings, secret key) call
    create_app() bare: the test settings here would hide what they check."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        # As production runs: no SERVER_NAME (urls follow the request), emails' links from PUBLIC_URL.
        "PUBLIC_URL": "http://localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production keeps scrypt
        "FRAGMENT_CACHE_CHECK": True,  # every kept fragment is rendered again and compared (microblog/fragments.py)
    }
    config.update(overrides)
    if create_tables and database_url.startswith("sqlite"):
        # Made first: the template is an app of its own, and the job queue follows the app made last
        # (microblog/jobs: one queue a process), which must be this one.
        sqlite_template()
    app = create_app(config)
    app.test_client_class = FreshContextClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        DIALECTS.share(db.engine, app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    if create_tables and database_url.startswith("sqlite"):
        target = sa.engine.make_url(database_url).database
        if target and target != ":memory:" and not os.path.exists(target):
            shutil.copyfile(sqlite_template(), target)  # a new file: the same as create_all, ten times faster
        else:
            with app.app_context():
                db.create_all()
    return app


_files_folder: list[str] = []


def files_folder() -> str:
    """This test process's folder for the SQLite databases of `database_url`, removed at exit: in memory
    (/dev/shm) where there is such a file system. On a disk, closing a test's database costs a sync (SQLite
    folds its write-ahead log into the file): 2-25 ms a test on this machine's shared disk, nothing in memory."""
    if not _files_folder:
        memory = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        folder = tempfile.mkdtemp(prefix="microblog-tests-", dir=memory)
        atexit.register(shutil.rmtree, folder, True)
        _files_folder.append(folder)
    return _files_folder[0]


_sqlite_template: list[str] = []


def sqlite_template() -> str:
    """An SQLite file with every table (made once per test process): each test's database starts as a copy."""
    if not _sqlite_template:
        path = os.path.join(files_folder(), "template.db")
        # A key and an address production would accept: the first test of a process may be one that has set
        # MICROBLOG_ENV=production (tests/house/test_security.py run alone), and the template is made then.
        settings = {"SECRET_KEY": "template-" + "t" * 32, "PUBLIC_URL": "http://localhost"}
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + path, **settings})
        with app.app_context():
            db.create_all()
            db.engine.dispose()  # the write-ahead log folded into the file
        _sqlite_template.append(path)
    return _sqlite_template[0]


@contextlib.contextmanager
def running(app):
    """The app's context held open for a test; its sessions and pooled connections closed after."""
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    with running(make_app(database_url)) as app:
        yield app


@pytest.fixture
def csrf_app(database_url):
    """The app with CSRF protection on, as in production."""
    with running(make_app(database_url, WTF_CSRF_ENABLED=True)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(
    username: str,
    password: str = PASSWORD,
    email: str | None = None,
    about_me: str | None = None,
    verified: bool = True,
) -> User:
    """A user as after registering and verifying the address (`verified=False`: not verified yet)."""
    user = User(email=email or f"{username.lower()}@example.com", about_me=about_me, email_verified=verified)
    user.set_username(username)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_post(user: User, body: str = "hello") -> Post:
    post = Post(body=body, user_id=user.id)
    db.session.add(post)
    db.session.commit()
    return post


def send(sender: User, recipient: User, body: str = "hi"):
    return send_message(sender, recipient, body)


@pytest.fixture
def signed_in(request, database_url):  # database_url: the test's cases (the app itself is fetched lazily)
    """`signed_in("alice") -> Actor`: the one way a test signs someone in. The user (made with `make_user` if
    there is none of that name yet) signs in through the sign-in form, on a client of their own (a second
    browser per call) of the `app` fixture, of `app=` (`csrf_app`, `rl_app`, ...), or on `client`."""

    def sign_in(username: str, client=None, *, app=None, password: str = PASSWORD, remember: bool = False) -> Actor:
        assert isinstance(username, str), "signed_in(username, client=None, *, app=None)"
        if client is None:
            client = (app or request.getfixturevalue("app")).test_client()
        with client.application.app_context():  # that app's database, whatever context the test holds
            if db.session.scalar(sa.select(User).where(User.username_key == username_key(username))) is None:
                make_user(username, password)
        person = actor(client, username, password)
        answer = person.signs_in(remember=remember)
        assert answer.status == 303, f"{username} could not sign in: {answer.status}"
        return person

    return sign_in


@pytest.fixture
def alice(app):
    return make_user("alice")


@pytest.fixture
def bob(app):
    return make_user("bob")


def clear_rate_limit_hits(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.delete(RateLimitHit.__table__))
    engine.dispose()


@pytest.fixture
def rl_app(database_url):
    """The app with rate limits on (off in every other fixture), small limits, and an empty rate_limit_hit
    table before and after (auth/, messages/, posts/, search/ and house/ test the limits)."""
    app = make_app(
        database_url,
        RATELIMIT_IN_TESTS=True,
        RATELIMIT_LOGIN_PER_ACCOUNT=(3, 900),
        RATELIMIT_LOGIN_PER_ADDRESS=(5, 900),
        RATELIMIT_LOGIN_PER_ACCOUNT_ADDRESS=(3, 900),
        RATELIMIT_REGISTER_PER_ADDRESS=(2, 3600),
        RATELIMIT_MESSAGES_PER_SENDER=(4, 60),
    )
    clear_rate_limit_hits(database_url)
    with running(app):
        yield app
    clear_rate_limit_hits(database_url)


@pytest.fixture
def rl_client(rl_app):
    return rl_app.test_client()


class StatementLog:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.queries)

    @property
    def queries(self) -> list[str]:
        """Statements other than transaction control."""
        return [s for s in self.statements if not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", s, re.I)]

    @property
    def writes(self) -> list[str]:
        return [s for s in self.queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]


def statement_log(engine: sa.Engine) -> StatementLog:
    """A log of the SQL statements `engine` runs inside `with log.recording():`."""
    log = StatementLog()

    def _record(conn, cursor, statement, parameters, context, executemany):
        log.statements.append(statement)

    @contextlib.contextmanager
    def recording():
        log.statements.clear()
        sa.event.listen(engine, "before_cursor_execute", _record)
        try:
            yield log
        finally:
            sa.event.remove(engine, "before_cursor_execute", _record)

    log.recording = recording
    return log


@pytest.fixture
def statements(app):
    """Records the SQL statements the app runs inside `with statements.recording():`."""
    return statement_log(db.engine)


@contextlib.contextmanager
def scratch_pg_database(prefix: str):
    """A new, empty PostgreSQL database beside TEST_DATABASE_URL's (its role needs CREATEDB); dropped after."""
    url = pg_url()
    if not url:
        require("PG", "TEST_DATABASE_URL is not set: PostgreSQL migration test skipped")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            drop_database(conn, name)  # never WITH (FORCE): see tools/harness/databases.py
        admin.dispose()
