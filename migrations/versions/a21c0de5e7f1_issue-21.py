"""accounts: email verification, two-factor sign-in, deleted accounts, reserved names, read receipts

Revision ID: a21c0de5e7f1
Revises: a24e1f7c9b58
Create Date: 2026-12-04 10:45:00.000000

Accounts from before stay unverified: they see the banner and can verify from it.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a21c0de5e7f1"
down_revision = "a24e1f7c9b58"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both databases (no batch copy of "user" on SQLite: with foreign keys on,
    # dropping the old table would cascade to every message and post).
    op.add_column("user", sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("user", sa.Column("pending_email", sa.String(length=120), nullable=True))
    op.add_column("user", sa.Column("read_receipts", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("user", sa.Column("totp_secret", sa.String(length=32), nullable=True))
    op.add_column("user", sa.Column("totp_last_step", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("user", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "reserved_name",
        sa.Column("username_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("username_key"),
    )
    op.create_index("ix_reserved_name_user_id", "reserved_name", ["user_id"])
    op.create_table(
        "recovery_code",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "code_hash"),
    )


def downgrade():
    op.drop_table("recovery_code")
    op.drop_index("ix_reserved_name_user_id", table_name="reserved_name")
    op.drop_table("reserved_name")
    for column in ("deleted_at", "totp_last_step", "totp_secret", "read_receipts", "pending_email", "email_verified"):
        op.drop_column("user", column)  # SQLite 3.35+: ALTER TABLE DROP COLUMN
