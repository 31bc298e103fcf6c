"""Search on PostgreSQL (SPEC S20, S22): the ranked statement walks the newest posts for common words and asks the
GIN index for rarer ones; whichever way it goes, it finds what a plain query over every post finds, and its plan
does not depend on the planner's guesses (nor on whether the statement is prepared)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from microblog.extensions import db
from microblog.search import engine
from microblog.seed.plan import _WORDS as SEED_WORDS
from microblog.users.relations import Block
from tests.conftest import make_user

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

# The RANKED newest matches the viewer may see, best ts_rank first, then newest: what the walks and the index
# lookups of engine._RANKED_SQL["postgresql"] must add up to.
REFERENCE = (
    "SELECT id FROM (SELECT id, search_vector FROM post WHERE search_vector @@ to_tsquery('simple', :match) "
    "AND user_id NOT IN ({hidden}) ORDER BY id DESC LIMIT :ranked) AS newest "
    "ORDER BY -ts_rank(search_vector, to_tsquery('simple', :match)), id DESC"
)


@pytest.fixture
def small_windows(monkeypatch):
    """FIRST and RECENT small enough for a test's posts; the statements built again with them, and after."""
    monkeypatch.setattr(engine, "FIRST", 5)
    monkeypatch.setattr(engine, "RECENT", 20)
    engine._statements.cache_clear()
    yield
    engine._statements.cache_clear()


def _word_posts(bob, carol, dave) -> None:
    """80 posts, oldest first, by bob, carol and dave in turn: words common everywhere, only among the oldest,
    only among the newest, at both ends and twice between (`ends`: all three ways), rare; `tea` repeated 0-3
    times, so ts_rank differs and ties."""
    db.session.execute(
        sa.text(
            "INSERT INTO post (body, timestamp, user_id) SELECT concat_ws(' ', 'all', repeat('tea ', g % 4), "
            "CASE WHEN g % 2 = 0 THEN 'even' END, CASE WHEN g % 7 = 0 THEN 'seventh' END, "
            "CASE WHEN g < 12 THEN 'early' END, CASE WHEN g >= 70 THEN 'late' END, "
            "CASE WHEN g >= 75 OR g < 10 OR g IN (62, 66) THEN 'ends' END, CASE WHEN g IN (3, 41, 77) THEN 'rare' END), "
            "now(), (ARRAY[:bob, :carol, :dave])[1 + g % 3] FROM generate_series(0, 79) g ORDER BY g"
        ),
        {"bob": bob.id, "carol": carol.id, "dave": dave.id},
    )
    db.session.commit()


QUERIES = [
    *"all tea even seventh early late ends rare zzz a e s t l r".split(),
    "all tea",
    "even se",
    "ends ra",
    "tea e",
]


@pytest.mark.parametrize("ranked", [3, 8])
def test_every_way_finds_what_a_plain_query_finds(app, alice, small_windows, monkeypatch, ranked):
    """Words that fill the ranking within the FIRST newest posts, go on to RECENT, come from the GIN index (only
    old matches, rare ones), or take all three (`ends`): the same posts in the same order as the reference query,
    for a viewer who hides nobody and one with blocks both ways; a page from the middle too."""
    monkeypatch.setattr(engine, "RANKED", ranked)
    bob, carol, dave = make_user("bob"), make_user("carol"), make_user("dave")
    _word_posts(bob, carol, dave)
    db.session.add_all(
        [Block(blocker_id=alice.id, blocked_id=carol.id), Block(blocker_id=dave.id, blocked_id=alice.id)]
    )
    db.session.commit()
    reference = sa.text(REFERENCE.replace("{hidden}", engine._HIDDEN))
    for viewer in (0, alice.id):
        for query in QUERIES:
            words = engine.terms(query)
            params = engine._params(words, 100, 0, viewer)[1]
            expected = list(db.session.scalars(reference, params))
            assert engine.post_ids(words, 100, 0, viewer) == expected, (query, viewer)
            assert engine.post_ids(words, 2, 2, viewer) == expected[2:4], (query, viewer)
    assert len(engine.post_ids(["ends"], 100, 0)) == ranked  # both ends: more matches than are ranked


def _plans(sql: str, params: dict) -> dict[str, dict]:
    """EXPLAIN ANALYZE of `sql` as a prepared statement: planned for its parameters' values (as psycopg's first
    executions are) and planned for any values (as PostgreSQL may plan a statement psycopg has prepared)."""
    names = list(dict.fromkeys(re.findall(r"(?<!:):(\w+)", sql)))
    for number, name in enumerate(names, 1):
        sql = re.sub(rf"(?<!:):{name}\b", f"${number}", sql)
    types = ", ".join("text" if isinstance(params[name], str) else "int" for name in names)
    args = ", ".join(
        "'" + params[name].replace("'", "''") + "'" if isinstance(params[name], str) else str(params[name])
        for name in names
    )
    connection = db.session.connection()
    connection.exec_driver_sql(f"PREPARE ranked ({types}) AS {sql}")
    plans = {}
    for mode in ("force_custom_plan", "force_generic_plan"):
        connection.exec_driver_sql(f"SET plan_cache_mode = {mode}")
        plans[mode] = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ranked({args})").scalar()[0]
    connection.exec_driver_sql("RESET plan_cache_mode")
    connection.exec_driver_sql("DEALLOCATE ranked")
    return plans


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _read(plan: dict) -> dict:
    """What the executed plan read: rows of post it looked at and threw away, and whether it asked the GIN index."""
    nodes = [node for node in _nodes(plan["Plan"]) if node.get("Actual Loops", 0) > 0]
    return {
        "thrown away": sum(
            n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0) for n in nodes
        ),
        "gin": any(node.get("Index Name") == "ix_post_search_vector" for node in nodes),
    }


def test_a_one_letter_query_walks_the_newest_posts_and_a_rare_word_asks_the_index(app, alice):
    """200,000 posts of the bench seed's words (each in about 10% of them; with fewer posts PostgreSQL planned
    well even before): a one-letter, a two-letter query and a common word walk the newest posts and never ask the
    GIN index (ANDing it with the primary key read every post with such a word: 17 ms on the bench seed); a word
    in 5 old posts is asked of the GIN index after the FIRST newest posts, without walking on. Both whether
    PostgreSQL plans for the values or for any values (a statement psycopg has prepared)."""
    db.session.execute(
        sa.text(
            "INSERT INTO post (body, timestamp, user_id) SELECT array_to_string(ARRAY(SELECT "
            "(CAST(:words AS text[]))[1 + (g * 7919 + k * 104729) % :n] FROM generate_series(1, 3 + g % 18) k), ' ') "
            "|| CASE WHEN g % 40000 = 7 THEN ' quokka' ELSE '' END, now(), :user "
            "FROM generate_series(1, 200000) g ORDER BY g"
        ),
        {"user": alice.id, "words": list(SEED_WORDS), "n": len(SEED_WORDS)},
    )
    db.session.execute(sa.text("ANALYZE post"))
    db.session.commit()
    sql = engine._statements("postgresql")[0].element.text
    for words in (["h"], ["ho"], ["said"]):
        for mode, plan in _plans(sql, engine._params(words, 11, 0)[1]).items():
            read = _read(plan)
            # about 10% of the posts match: the RANKED newest matches lie within 10 * RANKED posts or so
            assert not read["gin"] and read["thrown away"] < 10 * engine.RANKED, (words, mode, read)
    for mode, plan in _plans(sql, engine._params(["quokka"], 11, 0)[1]).items():
        read = _read(plan)
        assert read["gin"] and read["thrown away"] <= engine.FIRST, (mode, read)
    assert engine.post_ids(["quokka"], 11, 0) == [160007, 120007, 80007, 40007, 7]
    assert len(engine.post_ids(["h"], 11, 0)) == 11
