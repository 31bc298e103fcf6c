"""post.language and the full-text index of posts (SQLite FTS5, PostgreSQL tsvector + GIN)

Revision ID: b7e4d2a91c30
Revises: 3c1f0a2b7d45
Create Date: 2026-11-22 04:00:00.000000

Existing posts are indexed here: FTS5's 'rebuild' reads every post; PostgreSQL computes the stored
generated column `search_vector` for every row and builds its GIN index. New and changed posts stay
indexed by triggers (SQLite) or by the generated column (PostgreSQL).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e4d2a91c30"
down_revision = "7b2e4c9d1a60"
branch_labels = None
depends_on = None

# The same statements as microblog/search/engine.py (a migration keeps its own copy: history is frozen).
SQLITE_UP = [
    "CREATE VIRTUAL TABLE post_fts USING fts5(body, content='post', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "CREATE TRIGGER post_fts_insert AFTER INSERT ON post BEGIN "
    "INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO post_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO post_fts(post_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TABLE IF EXISTS post_fts",
]
PG_UP = [
    "ALTER TABLE post ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED",
    "CREATE INDEX ix_post_search_vector ON post USING gin (search_vector)",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_post_search_vector", "ALTER TABLE post DROP COLUMN IF EXISTS search_vector"]


def _run(sqlite, postgresql):
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite, "postgresql": postgresql}.get(dialect, []):
        op.execute(statement)


def upgrade():
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    _run(SQLITE_UP, PG_UP)


def downgrade():
    _run(SQLITE_DOWN, PG_DOWN)
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("language")
