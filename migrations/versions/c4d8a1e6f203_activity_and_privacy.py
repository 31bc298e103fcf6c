"""activity (new followers, mentions) with a read watermark; message policy; blocks

Revision ID: c4d8a1e6f203
Revises: 7a4e2c9d1b36
Create Date: 2026-11-22 05:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4d8a1e6f203"
down_revision = "7a4e2c9d1b36"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", "actor_id", "post_id", name="uq_activity_once"),
    )
    op.create_index("ix_activity_user_id_id", "activity", ["user_id", "id"])
    op.create_table(
        "block",
        sa.Column("blocker_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["blocker_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["blocked_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id"),
    )
    op.create_index("ix_block_blocked_id", "block", ["blocked_id"])
    # Plain ALTER TABLE on both databases (no batch copy of "user" on SQLite: with foreign keys on,
    # dropping the old table would cascade to every message and post).
    op.add_column("user", sa.Column("activity_read_id", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("user", sa.Column("message_policy", sa.String(length=16), nullable=False, server_default="everyone"))


def downgrade():
    op.drop_column("user", "message_policy")  # SQLite 3.35+: ALTER TABLE DROP COLUMN
    op.drop_column("user", "activity_read_id")
    op.drop_index("ix_block_blocked_id", table_name="block")
    op.drop_table("block")
    op.drop_index("ix_activity_user_id_id", table_name="activity")
    op.drop_table("activity")
