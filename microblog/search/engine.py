"""Full-text search on both databases. User text is words, never query syntax.

The index itself is built by the migrations `b7e4d2a91c30` and `5d9e3b7a2c14` (and, for `db.create_all()`
in tests, by the same statements below): on SQLite an external-content FTS5 table `post_fts` (with prefix
indexes of 1-6 letters, for search as you type) kept in sync by triggers; on PostgreSQL a stored generated
column `post.search_vector = to_tsvector('simple', body)` with a GIN index, which PostgreSQL keeps in sync.
Neither is declared on the model: the ORM never reads or writes them.
"""

from __future__ import annotations

import functools
import re

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..extensions import db
from ..pagination import Page, page_number
from ..posts.models import ListedPost, Post, listed_columns
from ..users import prefix
from ..users.models import User, username_key

MAX_QUERY = 200  # characters of the query we look at; the rest is ignored
MAX_TERMS = 8
MAX_TERM = 40
RANKED = 200  # the newest matches that are ranked (and paged through): 20 pages of 10
RECENT = 40_000  # PostgreSQL: at most this many newest posts are walked before the index is asked for older ones
FIRST = 1_000  # PostgreSQL: the newest posts always walked; how many match there decides the rest
# Letters and digits only: quotes, *, -, parentheses, NEAR/OR operators' punctuation never reach the engine.
_WORD = re.compile(r"[^\W_]+")

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE post_fts USING fts5(body, content='post', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6')",
    "CREATE TRIGGER post_fts_insert AFTER INSERT ON post BEGIN "
    "INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO post_fts(post_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TABLE IF EXISTS post_fts",
]
PG_DDL = [
    "ALTER TABLE post ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED",
    "CREATE INDEX ix_post_search_vector ON post USING gin (search_vector)",
]
# Objects of the index that the models do not declare (the schema comparison leaves them out).
INDEX_OBJECTS = {
    "post_fts",
    "post_fts_data",
    "post_fts_idx",
    "post_fts_content",
    "post_fts_docsize",
    "post_fts_config",
    "ix_post_search_vector",
    "search_vector",
    # the messages' index (search/messages.py)
    "message_fts",
    "message_fts_data",
    "message_fts_idx",
    "message_fts_content",
    "message_fts_docsize",
    "message_fts_config",
    "ix_message_search_vector",
    # people by name length (users/prefix.py)
    prefix.INDEX,
}


@sa.event.listens_for(Post.__table__, "after_create")
def _create_index(table, connection, **kw) -> None:
    for statement in {"sqlite": SQLITE_DDL, "postgresql": PG_DDL}.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(Post.__table__, "before_drop")
def _drop_index(table, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":  # PostgreSQL's column and index go with the table
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)


def terms(query: str) -> list[str]:
    """The words of what the user typed, lower-cased, at most MAX_TERMS of at most MAX_TERM characters."""
    return [word[:MAX_TERM].lower() for word in _WORD.findall(query[:MAX_QUERY])][:MAX_TERMS]


def _sqlite_match(words: list[str]) -> str:
    # Each word a quoted string (it has no quote to escape); the last one a prefix, as the user is typing.
    return " ".join(f'"{w}"' for w in words) + "*"


def _pg_tsquery(words: list[str]) -> str:
    return " & ".join(f"'{w}'" for w in words) + ":*"


# Ids of the authors the viewer does not see (blocks, either way): Post.hidden_authors as SQL text with a named
# :viewer parameter, for the ranked statements below.
_HIDDEN = " ".join(str(Post.hidden_authors(sa.bindparam("viewer"))).split())

# (id, score) of the posts matching every word (the last as a prefix), best score first, then newest; without the
# posts of authors hidden from :viewer (0: hides nobody). Only the RANKED newest visible matches are ranked: a
# one-letter query can match most posts, and ranking them all would cost a worker tens of milliseconds per
# keystroke. Hidden authors are left out before that cut and before the page's LIMIT, so every page is full and
# its Next link is right. Both engines walk their index newest first.
# FTS5's `rank` is bm25; PostgreSQL's ts_rank is negated so that on both the best score sorts first.
_RANKED_SQL = {
    # The author of a match is looked up only when the viewer has a block (either way): the lookup costs the
    # ranked statement 0.17 ms (200 rows, +13%) and most viewers block nobody; leaving out the hidden
    # authors' post ids instead (a NOT IN over post.user_id) costs 3 ms when one of them wrote 20,000 posts.
    "sqlite": "SELECT rowid AS id, rank AS score FROM (SELECT rowid, rank FROM post_fts WHERE post_fts MATCH :match "
    "AND (NOT EXISTS ({hidden}) OR (SELECT user_id FROM post WHERE post.id = post_fts.rowid) NOT IN ({hidden})) "
    "ORDER BY rowid DESC LIMIT :ranked) ORDER BY rank, rowid DESC LIMIT :limit OFFSET :offset",
    # PostgreSQL walks the newest FIRST posts (a primary-key walk newest first: cheap while matches are common;
    # a one-letter query fills the ranking there). How many match there decides the rest: when the walk would fill
    # the ranking within half of RECENT (a word in 1% of the posts or more) it goes on, up to RECENT posts;
    # otherwise, and for what is still missing after RECENT, the GIN index is asked for older matches (`id + 0`
    # keeps it off the primary key): fetching each match costs 0.35-2.6 µs, walking a post 0.2 µs. Each walk is
    # fenced by its own ORDER BY id DESC LIMIT and the query hides in the `q` CTE, so the plan is the same whatever
    # the planner guesses and whether the statement is prepared or not. Left to choose, it ANDed the GIN index
    # with the primary key for a one-letter query (17 ms on 200,000 posts: every post with a word of that letter),
    # or, once prepared, walked 20,000 posts for a rare word (3-5 ms); now 0.3 ms each, the worst (a word or
    # pair in 1-3% of the posts) 2-5 ms (bench/README "Search on PostgreSQL"). A word that matches nothing costs
    # FIRST posts and an index lookup (SPEC S22). The author is on the row it reads anyway.
    "postgresql": "WITH q AS (SELECT to_tsquery('simple'::regconfig, :match) AS q), "
    "top AS (SELECT coalesce(max(id), 0) AS id FROM post), "
    "first AS (SELECT id, search_vector FROM (SELECT id, search_vector, user_id FROM post "
    "WHERE id > (SELECT id FROM top) - {first} ORDER BY id DESC LIMIT {first}) AS p "
    "WHERE search_vector @@ (SELECT q FROM q) AND user_id NOT IN ({hidden}) ORDER BY id DESC LIMIT :ranked), "
    "found AS (SELECT count(*) AS n, count(*) * {recent} >= 2 * :ranked * {first} AS walk FROM first), "
    "rest AS (SELECT id, search_vector FROM (SELECT id, search_vector, user_id FROM post "
    "WHERE id > (SELECT id FROM top) - {recent} AND id <= (SELECT id FROM top) - {first} "
    "ORDER BY id DESC LIMIT {rest}) AS p "
    "WHERE search_vector @@ (SELECT q FROM q) AND user_id NOT IN ({hidden}) AND (SELECT walk FROM found) "
    "ORDER BY id DESC LIMIT :ranked - (SELECT n FROM found)), "
    "older AS (SELECT id, search_vector FROM post WHERE search_vector @@ (SELECT q FROM q) "
    "AND id + 0 <= (SELECT id FROM top) - (SELECT CASE WHEN walk THEN {recent} ELSE {first} END FROM found) "
    "AND user_id NOT IN ({hidden}) AND (SELECT n FROM found) + (SELECT count(*) FROM rest) < :ranked "
    "ORDER BY id + 0 DESC LIMIT :ranked - (SELECT n FROM found) - (SELECT count(*) FROM rest)) "
    "SELECT id, -ts_rank(search_vector, (SELECT q FROM q)) AS score "
    "FROM (SELECT * FROM first UNION ALL SELECT * FROM rest UNION ALL SELECT * FROM older) AS newest "
    "ORDER BY score, id DESC LIMIT :limit OFFSET :offset",
}
_MATCH = {"sqlite": _sqlite_match, "postgresql": _pg_tsquery}


@functools.cache
def _statements(dialect: str) -> tuple[sa.TextualSelect, sa.Select]:
    """The ranked ids, and the posts' ListedPost columns (with their authors' names) in that order: built once
    per dialect.

    Built once, a search only binds its parameters: building and caching the statement anew cost more than
    the database's own work on a short query.
    """
    first = min(FIRST, RECENT)
    sql = _RANKED_SQL[dialect]
    for name, value in {"{first}": first, "{rest}": RECENT - first, "{recent}": RECENT, "{hidden}": _HIDDEN}.items():
        sql = sql.replace(name, str(value))
    ranked = sa.text(sql).columns(id=sa.Integer, score=sa.Float)
    newest = ranked.subquery("ranked")
    posts = (
        sa.select(*listed_columns())
        .join(newest, Post.id == newest.c.id)
        .join(User, User.id == Post.user_id)
        .order_by(newest.c.score, Post.id.desc())
    )
    return ranked, posts


def _params(words: list[str], limit: int, offset: int, viewer_id: int = 0) -> tuple[str, dict]:
    dialect = db.engine.dialect.name
    params = {"match": _MATCH[dialect](words), "ranked": RANKED, "limit": limit, "offset": offset, "viewer": viewer_id}
    return dialect, params


def post_ids(words: list[str], limit: int, offset: int, viewer_id: int = 0) -> list[int]:
    """Ids of the matching posts, most relevant first, then newest; without authors hidden from `viewer_id`."""
    dialect, params = _params(words, limit, offset, viewer_id)
    return list(db.session.scalars(_statements(dialect)[0], params))


def search_posts(words: list[str], per_page: int, viewer_id: int = 0) -> Page:
    """The requested page (`?page=`) of matching posts (ListedPost rows), in relevance order: one statement with
    the authors. Posts of authors hidden from `viewer_id` (blocks, either way) are left out before ranking and
    paging."""
    number = page_number()
    if not words:
        return Page(items=[], page=number, has_next=False)
    dialect, params = _params(words, per_page + 1, (number - 1) * per_page, viewer_id)
    # Plain rows, not Post and User entities: the ORM's identity map and instance state cost the page ~0.2 ms.
    posts = [ListedPost(row) for row in db.session.connection().execute(_statements(dialect)[1], params)]
    if number > 1 and not posts:
        abort(404, description=_("There is no page %(page)d.", page=number))
    return Page(items=posts[:per_page], page=number, has_next=len(posts) > per_page)


def _people() -> tuple:
    """Name and about me only: that is all the results show (SPEC S20), and loading whole users cost three times
    as much. A block either way hides the about me, as on the profile page."""
    hidden = User.id.in_(Post.hidden_authors(sa.bindparam("viewer")))
    return User.username, sa.case((hidden, None), else_=User.about_me).label("about_me")


@functools.cache
def _users() -> tuple[sa.Select, sa.Select]:
    """Built once: the people of a prefix's range of at most prefix.CAP names, shortest names first, each row
    with the probe's count `n` (one row of NULLs when none is shown: `n` says whether the range was larger);
    and the people of given name keys, in the same order."""
    counted = prefix.probe()
    found = (
        sa.select(*_people(), User.username_key.label("key"))
        .where(*prefix.within(counted))
        .order_by(*prefix.by_length())
        .limit(sa.bindparam("limit"))
        .subquery("found")
    )
    small = (
        sa.select(counted.c.n, found.c.username, found.c.about_me)
        .select_from(counted)
        .outerjoin(found, sa.true())
        .order_by(sa.func.length(found.c.key), found.c.key)
    )
    keyed = sa.select(*_people()).where(User.username_key.in_(sa.bindparam("keys", expanding=True)))
    return small, keyed.order_by(*prefix.by_length())


def search_users(words: list[str], limit: int = 5, viewer_id: int = 0) -> list[sa.Row]:
    """Users whose name starts with the first word (any case), shortest names first: rows with `.username`
    and `.about_me` (None when a block stands between them and `viewer_id`). One statement when the prefix
    starts at most prefix.CAP names; else their keys by length from the name-length index, then the people."""
    if not words:
        return []
    word = username_key(words[0])
    small, keyed = _users()
    # Core rows, no ORM entity: through the session's connection (same transaction) it costs 65 µs, not
    # the ORM execute path's 110 µs.
    connection = db.session.connection()
    rows = list(connection.execute(small, {**prefix.prefix_params(word), "limit": limit, "viewer": viewer_id}))
    if rows[0].n <= prefix.CAP:
        return [row for row in rows if row.username is not None]
    keys = prefix.shortest_keys(word, limit)
    return list(connection.execute(keyed, {"keys": keys, "viewer": viewer_id})) if keys else []


@functools.lru_cache(maxsize=256)
def _highlighter(words: tuple[str, ...]) -> re.Pattern:
    # One capturing group: split() gives text, match, text, match, ..., text.
    alternatives = "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))
    return re.compile(r"(?<!\w)((?:" + alternatives + r")\w*)", re.IGNORECASE)


def highlight(text: str, words: list[str]) -> Markup:
    """`text`, escaped, with every word that starts with one of `words` wrapped in <mark>."""
    if not words:
        return escape(text)
    # One split and plain strings, wrapped as Markup once: 4.4 µs a post instead of 10 µs with a Markup
    # per piece (a search page highlights 10-15 texts). Every piece is escaped before it is joined.
    parts = [str(escape(part)) for part in _highlighter(tuple(words)).split(text)]
    parts[1::2] = [f"<mark>{match}</mark>" for match in parts[1::2]]
    return Markup("".join(parts))


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's autogenerate: the search index's tables and index are not models, leave them be."""
    return name not in INDEX_OBJECTS
