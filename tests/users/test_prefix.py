"""People by the start of their name (microblog/users/prefix.py): search's People and New message's picker show
the shortest live names first, then alphabetical, exactly, whether the prefix starts a few names (sorted whole)
or more than prefix.CAP (read by length from the name-length index), with deleted accounts crowding the
shortest names; and a large range is read by seeks on that index, never sorted whole."""

from __future__ import annotations

import re

import sqlalchemy as sa

from microblog.database import utcnow
from microblog.extensions import db
from microblog.users import prefix
from microblog.users.models import User
from microblog.users.names import USERNAME_MAX
from tests.conftest import HTMX, only_on
from tests.html import by_id, fragment, page


def add_people(names: list[str]) -> list[User]:
    """Many accounts at once (no password hashing: these never sign in)."""
    users = []
    for name in names:
        user = User(email=f"{name.casefold()}@example.com", email_verified=True)
        user.set_username(name)
        user.password_hash = "unused"
        users.append(user)
    db.session.add_all(users)
    db.session.commit()
    return users


def delete(users: list[User]) -> None:
    for user in users:
        user.deleted_at = utcnow()
    db.session.commit()


def expected(query: str, count: int) -> list[str]:
    live = db.session.scalars(sa.select(User.username_key).where(User.deleted_at.is_(None))).all()
    return sorted((k for k in live if k.startswith(query.casefold())), key=lambda k: (len(k), k))[:count]


def search_people(actor, query: str) -> list[str]:
    for answer, shown in (
        (actor.opens(f"/search?q={query}"), lambda a: page(a)),
        (actor.opens(f"/search?q={query}", **HTMX), lambda a: fragment(a, "#search-results")),
    ):
        assert answer.status == 200
        people = shown(answer).find(id="search-users")
        names = [] if people is None else [a.get_text().casefold() for a in people.select("li a")]
    return names  # the page's and the fragment's are compared by the caller through both being asserted


def picker(actor, query: str) -> list[str]:
    answer = actor.opens(f"/new_message?q={query}", **HTMX)
    assert answer.status == 200
    return [li["id"].removeprefix("person-").casefold() for li in fragment(answer).select("#people-results li[id]")]


# Names of many lengths, not made in their order: the shortest ones are neither the first made nor the first
# alphabetically.
NAMES = [f"pax{'q' * (i * 7 % 11)}{i}" for i in range(prefix.CAP + 40)]


def test_a_prefix_of_many_names_shows_the_shortest_live_ones_in_search_and_the_picker(signed_in, alice):
    people = add_people(NAMES)
    me = signed_in("alice")
    for query in ("p", "pa", "PAX", "paxq", "paxqqq", "pax1"):  # more than CAP names, then fewer
        assert search_people(me, query) == expected(query, 5), query
        assert picker(me, query) == expected(query, 8), query
    shortest = sorted(people, key=lambda u: (len(u.username_key), u.username_key))
    for gone in (shortest[:3], shortest[:20], shortest[: prefix.CAP]):  # deleted accounts crowd the shortest
        delete(gone)
        for query in ("p", "pax", "pax1"):
            assert search_people(me, query) == expected(query, 5), (query, len(gone))
            assert picker(me, query) == expected(query, 8), (query, len(gone))
    delete(people)
    assert search_people(me, "pax") == [] and picker(me, "pax") == []


def test_the_page_and_the_fragment_show_the_same_people_for_a_large_prefix(signed_in, alice):
    add_people(NAMES)
    me = signed_in("alice")
    on_page = [a.get_text() for a in by_id(page(me.opens("/search?q=pa")), "search-users").select("li a")]
    in_fragment = fragment(me.opens("/search?q=pa", **HTMX), "#search-results").find(id="search-users")
    assert on_page == [a.get_text() for a in in_fragment.select("li a")] == expected("pa", 5)


def test_a_range_of_deleted_names_past_the_cap_shows_the_live_ones_beyond_them(signed_in, alice):
    """The probe counts deleted accounts' names too: a range past CAP of which only long names live is read by
    length up to the longest name a key can have."""
    crowd = add_people([f"ssx{i}" for i in range(prefix.CAP + 1)])
    (longest,) = add_people(["ss" + "z" * (USERNAME_MAX - 2)])
    me = signed_in("alice")
    assert search_people(me, "ss")[0] == "ssx0"
    delete(crowd)
    assert search_people(me, "ss") == picker(me, "ss") == [longest.username_key]


def test_a_large_range_is_read_by_length_and_a_small_one_in_one_statement(app, signed_in, alice, statements):
    add_people(NAMES)
    me = signed_in("alice")
    with statements.recording() as log:
        assert picker(me, "pax1")  # 51 names: sorted whole
    assert log.count == 2, log.queries  # the signed-in user; the people and how each stands with me
    with statements.recording() as log:
        assert picker(me, "pax")
    seeks = [q for q in log.queries if re.search(r'length\("?user"?\.username_key\) = ', q)]
    # the user, the probe, one seek per length from 3 until 9 names are found, the people
    assert 1 <= len(seeks) <= 6 and log.count == 3 + len(seeks), log.queries


@only_on("sqlite")
def test_each_seek_is_a_search_of_the_name_length_index(app):
    bound = prefix._at_length().params(**prefix.prefix_params("pax"), length=5, limit=9)
    sql = str(bound.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        plan = " ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert f"SEARCH user USING INDEX {prefix.INDEX} (<expr>=? AND username_key>? AND username_key<?)" in plan, plan


def test_the_one_statement_reads_nothing_of_a_range_past_the_cap(app):
    """Past CAP names the statement's range is empty (only the probe's count comes back), so a first letter
    among many people is never sorted whole."""
    from microblog.search import engine

    add_people(NAMES)
    small, _keyed = engine._users()
    params = {**prefix.prefix_params("pax"), "limit": 5, "viewer": 0}
    assert db.session.connection().execute(small, params).all() == [(prefix.CAP + 1, None, None)]
    params = {**prefix.prefix_params("pax1"), "limit": 5, "viewer": 0}  # 51 names: read and sorted
    assert [row.username for row in db.session.connection().execute(small, params)] == expected("pax1", 5)
