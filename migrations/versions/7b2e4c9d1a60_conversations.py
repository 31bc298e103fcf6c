"""conversations: one per pair of users, each member's watermark and "cleared before" mark

Revision ID: 7b2e4c9d1a60
Revises: 3c1f0a2b7d45
Create Date: 2026-11-22 04:00:00.000000

Upgrade: one conversation per unordered pair that exchanged messages; each message gets its
conversation; each member's watermark in every conversation is their old global watermark
(`user.last_read_message_id`), so every unread count is the same before and after. Then the old
column goes. Plain SQL set operations (no rows through Python), so a million messages convert fast.

Downgrade: each user's global watermark becomes the highest that leaves every unread message unread
(just below their oldest unread message, else their newest read one); "cleared" marks are lost (those
messages show again), and the stored counts are recomputed from the restored watermarks.
"""

import time

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7b2e4c9d1a60"
down_revision = "3c1f0a2b7d45"
branch_labels = None
depends_on = None

LOW = "CASE WHEN m.sender_id < m.recipient_id THEN m.sender_id ELSE m.recipient_id END"
HIGH = "CASE WHEN m.sender_id < m.recipient_id THEN m.recipient_id ELSE m.sender_id END"


def upgrade():
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_low_id", sa.Integer(), nullable=False),
        sa.Column("user_high_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("user_low_id < user_high_id", name="ck_conversation_ordered_pair"),
        sa.ForeignKeyConstraint(["user_high_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_low_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_low_id", "user_high_id", name="uq_conversation_pair"),
    )
    op.create_index("ix_conversation_user_high_id", "conversation", ["user_high_id"], unique=False)
    op.create_table(
        "conversation_member",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("last_read_message_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cleared_before_id", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_message_id", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id"),
        sa.UniqueConstraint("user_id", "other_id", name="uq_conversation_member_pair"),
    )
    op.create_index("ix_conversation_member_other_id", "conversation_member", ["other_id"], unique=False)
    op.create_index(
        "ix_conversation_member_user_id_last_message_id",
        "conversation_member",
        ["user_id", "last_message_id", "cleared_before_id", "conversation_id"],
        unique=False,
    )

    op.add_column("message", sa.Column("conversation_id", sa.Integer(), nullable=True))
    op.execute(
        f"INSERT INTO conversation (user_low_id, user_high_id) "
        f"SELECT DISTINCT {LOW}, {HIGH} FROM message m ORDER BY 1, 2"
    )
    op.execute(
        f"UPDATE message SET conversation_id = (SELECT c.id FROM conversation c "
        f"WHERE c.user_low_id = {LOW.replace('m.', 'message.')} "
        f"AND c.user_high_id = {HIGH.replace('m.', 'message.')})"
    )
    # Indexed before the memberships are filled: PostgreSQL builds no index on its own for the lookups.
    op.create_index("ix_message_conversation_id_id", "message", ["conversation_id", "id"], unique=False)
    for me, other in (("user_low_id", "user_high_id"), ("user_high_id", "user_low_id")):
        op.execute(
            "INSERT INTO conversation_member (conversation_id, user_id, other_id, last_read_message_id, "
            "cleared_before_id, last_message_id) "
            f"SELECT c.id, c.{me}, c.{other}, u.last_read_message_id, 0, last.id "
            f'FROM conversation c JOIN "user" u ON u.id = c.{me} '
            "JOIN (SELECT conversation_id, MAX(id) AS id FROM message GROUP BY conversation_id) last "
            "ON last.conversation_id = c.id"
        )
    with op.batch_alter_table("message") as batch_op:
        batch_op.alter_column("conversation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_message_conversation_id_conversation", "conversation", ["conversation_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(
        "ix_message_conversation_id_recipient_id_id", "message", ["conversation_id", "recipient_id", "id"], unique=False
    )
    # Not batch mode on SQLite: re-creating "user" would cascade-delete every row that refers to it.
    op.drop_column("user", "last_read_message_id")


def downgrade():
    op.add_column("user", sa.Column("last_read_message_id", sa.Integer(), server_default="0", nullable=False))
    # Just below the oldest unread message to the user (in any conversation), else the newest read one.
    op.execute(
        'UPDATE "user" SET last_read_message_id = COALESCE('
        "(SELECT MIN(m.id) - 1 FROM message m JOIN conversation_member cm "
        "ON cm.conversation_id = m.conversation_id AND cm.user_id = m.recipient_id "
        'WHERE m.recipient_id = "user".id AND m.id > cm.last_read_message_id), '
        "COALESCE((SELECT MAX(cm.last_read_message_id) FROM conversation_member cm "
        'WHERE cm.user_id = "user".id), 0))'
    )
    op.execute(
        'UPDATE notification SET payload_json = CAST((SELECT COUNT(*) FROM message m, "user" u '
        "WHERE u.id = notification.user_id AND m.recipient_id = u.id AND m.id > u.last_read_message_id) "
        "AS VARCHAR(20)) WHERE name = 'unread_message_count'"
    )
    op.execute(
        "INSERT INTO notification (name, user_id, timestamp, payload_json) "
        "SELECT 'unread_message_count', u.id, " + repr(float(time.time())) + ", CAST(COUNT(*) AS VARCHAR(20)) "
        'FROM "user" u JOIN message m ON m.recipient_id = u.id AND m.id > u.last_read_message_id '
        "WHERE NOT EXISTS (SELECT 1 FROM notification n WHERE n.user_id = u.id "
        "AND n.name = 'unread_message_count') GROUP BY u.id"
    )
    op.drop_index("ix_message_conversation_id_recipient_id_id", table_name="message")
    op.drop_index("ix_message_conversation_id_id", table_name="message")
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_constraint("fk_message_conversation_id_conversation", type_="foreignkey")
        batch_op.drop_column("conversation_id")
    op.drop_index("ix_conversation_member_user_id_last_message_id", table_name="conversation_member")
    op.drop_index("ix_conversation_member_other_id", table_name="conversation_member")
    op.drop_table("conversation_member")
    op.drop_index("ix_conversation_user_high_id", table_name="conversation")
    op.drop_table("conversation")
