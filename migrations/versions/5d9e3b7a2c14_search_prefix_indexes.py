"""SQLite's full-text index keeps prefixes of up to six letters (was three)

Revision ID: 5d9e3b7a2c14
Revises: c4d8a1e6f203
Create Date: 2026-11-22 06:30:00.000000

Search as you type makes the last word a prefix (`poll*`). With prefix indexes of 1-3 letters only, a
4-6 letter prefix is answered by merging the lists of every word it starts, which was a third of a
search's time at 200,000 posts (bench/README.md). The FTS5 table is made again with `prefix='1 2 3 4 5 6'`
and rebuilt from the posts (about 20% more index; a few seconds at 200,000 posts). PostgreSQL's
`tsvector` index needs no change: a no-op there.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5d9e3b7a2c14"
down_revision = "c4d8a1e6f203"
branch_labels = None
depends_on = None

# A migration keeps its own copy of the statements (microblog/search/engine.py has today's).
TRIGGERS = [
    "CREATE TRIGGER post_fts_insert AFTER INSERT ON post BEGIN "
    "INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
]
DROP = [
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TABLE IF EXISTS post_fts",
]


def _remake(prefixes: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DROP + [
        "CREATE VIRTUAL TABLE post_fts USING fts5(body, content='post', content_rowid='id', "
        f"tokenize='unicode61 remove_diacritics 2', prefix='{prefixes}')",
        *TRIGGERS,
        "INSERT INTO post_fts(post_fts) VALUES ('rebuild')",
    ]:
        op.execute(statement)


def upgrade():
    _remake("1 2 3 4 5 6")


def downgrade():
    _remake("1 2 3")
