"""push_event: the SQLite fan-out log of live push (PostgreSQL uses NOTIFY and leaves it empty)

Revision ID: 7a4e2c9d1b36
Revises: 3c1f0a2b7d45
Create Date: 2026-11-22 04:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7a4e2c9d1b36"
down_revision = "b7e4d2a91c30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "push_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("push_event")
