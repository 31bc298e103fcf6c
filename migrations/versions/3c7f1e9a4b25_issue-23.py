"""Email for unread messages: each user's email choice and language, each email owed; data exports (SPEC S18)

Revision ID: 3c7f1e9a4b25
Revises: a22f6c3e9d10
Create Date: 2026-12-04 11:00:00.000000

The job queue's own tables (`huey_*`) are not here: Huey creates them on first use (microblog/jobs).
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "3c7f1e9a4b25"
down_revision = "a22f6c3e9d10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unread", sa.String(length=16), server_default="instant", nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "unread_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("first_message_id", sa.Integer(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_unread_email_state_due_at", "unread_email", ["state", "due_at"])
    op.create_index("ix_unread_email_user_id_conversation_id", "unread_email", ["user_id", "conversation_id"])
    op.create_table(
        "data_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_data_export_user_id_id", "data_export", ["user_id", "id"])


def downgrade():
    op.drop_index("ix_data_export_user_id_id", table_name="data_export")
    op.drop_table("data_export")
    op.drop_index("ix_unread_email_user_id_conversation_id", table_name="unread_email")
    op.drop_index("ix_unread_email_state_due_at", table_name="unread_email")
    op.drop_table("unread_email")
    op.drop_table("email_preference")
