"""post.edited_at (a post edited within its 15 minutes is marked "edited"); user.theme (light/dark/system)

Revision ID: a24e1f7c9b58
Revises: 5d9e3b7a2c14
Create Date: 2026-12-04 10:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a24e1f7c9b58"
down_revision = "5d9e3b7a2c14"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both databases (no batch copy: with foreign keys on, SQLite would cascade).
    op.add_column("post", sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("user", sa.Column("theme", sa.String(length=8), nullable=False, server_default="system"))


def downgrade():
    op.drop_column("user", "theme")
    op.drop_column("post", "edited_at")
