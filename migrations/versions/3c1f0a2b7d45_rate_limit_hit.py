"""rate_limit_hit: rate-limit counters shared by every worker

Revision ID: 3c1f0a2b7d45
Revises: e9a79729a56b
Create Date: 2026-11-21 06:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3c1f0a2b7d45"
down_revision = "e9a79729a56b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bucket", "key", "window_start", name="uq_rate_limit_hit_window"),
    )


def downgrade():
    op.drop_table("rate_limit_hit")
