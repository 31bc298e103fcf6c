"""People by the start of their name, shortest first, without sorting the whole range (microblog/users/prefix.py):
a partial index of live accounts on (length(username_key), username_key), the same on SQLite and PostgreSQL

Revision ID: 6e1b9d4c2a87
Revises: 49fc175b3683
Create Date: 2026-12-04 23:40:00.000000
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "6e1b9d4c2a87"
down_revision = "49fc175b3683"
branch_labels = None
depends_on = None


def upgrade():
    # The statement of microblog/users/prefix.py, written out: a migration stays as it was when the app changes.
    op.execute(
        'CREATE INDEX ix_user_name_length ON "user" (length(username_key), username_key) WHERE deleted_at IS NULL'
    )


def downgrade():
    op.execute("DROP INDEX ix_user_name_length")
