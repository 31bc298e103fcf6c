"""Full-text search of my messages (SPEC S17): the same engines and query rules as posts, over the messages
of the conversations I am in only, never another pair's.

The index is built by migration `a22f6c3e9d10` (and by these statements for `db.create_all()` in tests):
an external-content FTS5 table `message_fts` kept by triggers on SQLite; a generated `message.search_vector`
with a GIN index on PostgreSQL. An unsent message's body is emptied, so it matches nothing.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _

from ..extensions import db
from ..messages.models import Hidden, Member, Message
from ..pagination import Page, page_number
from ..users.models import User
from .engine import _MATCH  # the same quoting of words as for posts

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(body, content='message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "DROP TRIGGER IF EXISTS message_fts_insert",
    "DROP TABLE IF EXISTS message_fts",
]
PG_DDL = [
    "ALTER TABLE message ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED",
    "CREATE INDEX ix_message_search_vector ON message USING gin (search_vector)",
]
RANKED = 200  # as for posts: only the newest matches of my conversations are ranked


@sa.event.listens_for(Message.__table__, "after_create")
def _create_index(table, connection, **kw) -> None:
    for statement in {"sqlite": SQLITE_DDL, "postgresql": PG_DDL}.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(Message.__table__, "before_drop")
def _drop_index(table, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            connection.exec_driver_sql(statement)


@functools.cache
def _statement(dialect: str) -> sa.Select:
    """My matching messages (with the other person), newest first: the match is restricted to the
    conversations I am a member of and to what I have not cleared or hidden."""
    me = sa.bindparam("me")
    if dialect == "sqlite":
        matched = sa.text("SELECT rowid AS id FROM message_fts WHERE message_fts MATCH :match").columns(id=sa.Integer)
        match = Message.id.in_(sa.select(matched.subquery().c.id))
    else:
        match = sa.literal_column("message.search_vector").op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam("match"))
        )
    hidden = sa.exists().where(Hidden.user_id == me, Hidden.message_id == Message.id)
    return (
        sa.select(Message, User)
        .join(Member, sa.and_(Member.conversation_id == Message.conversation_id, Member.user_id == me))
        .join(User, User.id == Member.other_id)
        .where(match, Message.id > Member.cleared_before_id, Message.unsent.is_(False), ~hidden)
        .order_by(Message.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


def search_messages(user_id: int, words: list[str], per_page: int) -> Page:
    """The requested page (`?page=`) of my messages matching every word (the last a prefix), newest first:
    rows of (Message, the other person)."""
    number = page_number()
    if not words:
        return Page(items=[], page=number, has_next=False)
    dialect = db.engine.dialect.name
    params = {"me": user_id, "match": _MATCH[dialect](words), "limit": per_page + 1, "offset": (number - 1) * per_page}
    rows = [tuple(row) for row in db.session.execute(_statement(dialect), params)]
    if number > 1 and not rows:
        abort(404, description=_("There is no page %(page)d.", page=number))
    return Page(items=rows[:per_page], page=number, has_next=len(rows) > per_page)
