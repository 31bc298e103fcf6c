"""A messenger people would choose (SPEC S17): longer bodies, per-message edit/unsend/reactions/delete-for-me,
a conversation version for the live thread, mute and "Seen" per member, read receipts, a message search index

Revision ID: a22f6c3e9d10
Revises: a21c0de5e7f1
Create Date: 2026-12-04 10:40:00.000000

The message search index mirrors the posts' one (microblog/search/messages.py has today's statements): an
external-content FTS5 table `message_fts` kept by triggers on SQLite, a generated `search_vector` column
with a GIN index on PostgreSQL. Unsent messages have an empty body, so they match nothing.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a22f6c3e9d10"
down_revision = "a21c0de5e7f1"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(body, content='message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "DROP TRIGGER IF EXISTS message_fts_insert",
    "DROP TABLE IF EXISTS message_fts",
]
PG_UP = [
    "ALTER TABLE message ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED",
    "CREATE INDEX ix_message_search_vector ON message USING gin (search_vector)",
]
PG_DOWN = ["DROP INDEX IF EXISTS ix_message_search_vector", "ALTER TABLE message DROP COLUMN IF EXISTS search_vector"]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    # Batch mode: SQLite re-creates "message" (nothing refers to it yet); PostgreSQL alters in place.
    with op.batch_alter_table("message") as batch_op:
        batch_op.alter_column(
            "body", type_=sa.String(length=1000), existing_type=sa.String(length=140), existing_nullable=False
        )
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("unsent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_message_conversation_id_version", ["conversation_id", "version"])
    op.add_column("conversation", sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("conversation_member", sa.Column("muted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("conversation_member", sa.Column("seen_message_id", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("conversation_member", sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "message_reaction",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", "user_id"),
    )
    op.create_index("ix_message_reaction_user_id", "message_reaction", ["user_id"])
    op.create_table(
        "message_hidden",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "message_id"),
    )
    op.create_index("ix_message_hidden_message_id", "message_hidden", ["message_id"])
    for statement in PG_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_message_hidden_message_id", table_name="message_hidden")
    op.drop_table("message_hidden")
    op.drop_index("ix_message_reaction_user_id", table_name="message_reaction")
    op.drop_table("message_reaction")
    op.drop_column("conversation_member", "seen_at")
    op.drop_column("conversation_member", "seen_message_id")
    op.drop_column("conversation_member", "muted")
    op.drop_column("conversation", "version")
    op.execute("UPDATE message SET body = substr(body, 1, 140) WHERE length(body) > 140")  # the old limit
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_index("ix_message_conversation_id_version")
        batch_op.drop_column("version")
        batch_op.drop_column("unsent")
        batch_op.drop_column("edited_at")
        batch_op.alter_column(
            "body", type_=sa.String(length=140), existing_type=sa.String(length=1000), existing_nullable=False
        )
