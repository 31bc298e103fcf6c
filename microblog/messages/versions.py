"""A conversation's version and its members' list versions: what the open threads' and the conversation
lists' polls compare with. Every change a thread or a list row shows goes through `bump`, in its own
transaction (send, read, unsend, edit, reaction, mute, mark unread, delete)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import Conversation, ListVersion


def bump(conversation_id: int) -> int:
    """The conversation's next version (what an open thread's poll compares with): one UPDATE ... RETURNING,
    which also holds the conversation's row until commit. Both members' list versions go up with it, in the
    same transaction (what their conversation lists' polls compare with), lower user id first: every change
    a list row shows comes through here, so the list's state is one row, exact, whatever the list's length."""
    stmt = (
        sa.update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(version=Conversation.version + 1)
        .returning(Conversation.version, Conversation.user_low_id, Conversation.user_high_id)
        .execution_options(synchronize_session=False)
    )
    version, low, high = db.session.execute(stmt).one()
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ListVersion)
    db.session.execute(
        insert.values([{"user_id": low, "version": 1}, {"user_id": high, "version": 1}]).on_conflict_do_update(
            index_elements=[ListVersion.user_id], set_={"version": ListVersion.version + 1}
        )
    )
    return version
