"""Each user's conversation list version (the list's poll reads one row instead of summing every conversation)

Revision ID: 49fc175b3683
Revises: 3c7f1e9a4b25
Create Date: 2026-12-04 13:00:00.000000

No backfill: a missing row reads as 0, and an open list whose poll still sends the old state (a sum of
versions) gets the list once, then the new state.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "49fc175b3683"
down_revision = "3c7f1e9a4b25"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "conversation_list_version",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("conversation_list_version")
