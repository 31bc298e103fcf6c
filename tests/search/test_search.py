"""Search (SPEC S15): the database's own full-text engine on SQLite and PostgreSQL, relevance then recency,
real pager links, safe highlighting, user text as words only, the plain form and the htmx fragment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from microblog.users.relations import Block
from microblog.extensions import db
from microblog.posts.models import Post
from tests.conftest import HTMX, make_app, make_post, make_user, scratch_pg_database
from tests.html import by_id, fragment, page, submit, text


def result_ids(soup) -> list[str]:
    return [a["id"] for a in soup.select("#search-posts article")]


def search(client, q, **headers):
    return client.get("/search", query_string={"q": q}, headers=headers)


def test_the_navbar_form_searches_without_javascript(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "Walking the dog in the park")
    make_post(alice, "Nothing to see here")
    form = by_id(page(as_alice.opens("/index")), "search-form")
    response = submit(as_alice.client, form, q="dog")
    assert response.status_code == 200
    soup = page(response)
    assert result_ids(soup) == [f"post-{post.id}"]
    assert by_id(soup, "search-q")["value"] == "dog"  # the box keeps what was typed
    assert "dog" in text(by_id(soup, "search-heading"))


def test_htmx_gets_the_results_fragment_and_vary(signed_in, alice):
    as_alice = signed_in("alice")
    make_post(alice, "Walking the dog")
    response = search(as_alice.client, "dog", **HTMX)
    results = fragment(response, "#search-results")
    assert len(results.select("article")) == 1
    assert "HX-Request" in response.headers["Vary"]
    for other in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        assert page(search(as_alice.client, "dog", **HTMX, **other)).find(id="search-results")


def test_the_title_names_the_query_on_the_page_and_atop_the_fragment(signed_in, alice):
    """Search as you type pushes the URL: the fragment starts with the <title> htmx renames the tab with."""
    as_alice = signed_in("alice")
    make_post(alice, "Walking the dog")
    assert page(search(as_alice.client, "dog <b>")).title.get_text() == "Results for “dog <b>” · Microblog"
    assert page(search(as_alice.client, "")).title.get_text() == "Search · Microblog"
    body = search(as_alice.client, "dog <b>", **HTMX).get_data(as_text=True)
    assert body.startswith("<title>Results for “dog &lt;b&gt;” · Microblog</title>")
    assert body.count("<title>") == 1 and "<html" not in body
    spanish = search(as_alice.client, "dog", **HTMX, **{"Accept-Language": "es"}).get_data(as_text=True)
    assert spanish.startswith("<title>Resultados para «dog» · Microblog</title>")


def test_the_box_searches_as_you_type(signed_in):
    as_alice = signed_in("alice")
    box = by_id(page(as_alice.opens("/index")), "search-q")
    assert box["hx-trigger"] == "input changed delay:300ms, search"
    assert box["hx-get"] == "/search" and box["name"] == "q"
    assert box["hx-sync"] == "this:replace" and box["hx-push-url"] == "true"
    assert box["hx-indicator"] == "#search-indicator" and box["hx-target"] == "#main"


def test_every_word_must_match_and_the_last_is_a_prefix(signed_in, alice):
    as_alice = signed_in("alice")
    both = make_post(alice, "Cats and dogs")
    make_post(alice, "Only cats")
    assert result_ids(page(search(as_alice.client, "cats dog"))) == [f"post-{both.id}"]
    assert result_ids(page(search(as_alice.client, "CAT"))) != []  # case and prefix


def test_relevance_first_then_recency(signed_in, alice):
    as_alice = signed_in("alice")
    relevant = make_post(alice, "tea tea tea")
    old = make_post(alice, "I had some tea with a friend this afternoon at the cafe")
    new = make_post(alice, "I had some tea with a friend this afternoon at the cafe")
    assert result_ids(page(search(as_alice.client, "tea"))) == [
        f"post-{relevant.id}",
        f"post-{new.id}",
        f"post-{old.id}",
    ]


def test_only_the_newest_matches_are_ranked(signed_in, alice, monkeypatch):
    as_alice = signed_in("alice")
    from microblog.search import engine

    monkeypatch.setattr(engine, "RANKED", 2)
    relevant_but_old = make_post(alice, "fig fig fig")
    ids = [make_post(alice, f"a fig tree, number {i}").id for i in range(2)]
    assert result_ids(page(search(as_alice.client, "fig"))) == [f"post-{i}" for i in ids[::-1]]
    assert relevant_but_old.id not in ids


def test_the_index_follows_edits_and_deletes(signed_in, alice):
    as_alice = signed_in("alice")
    post = make_post(alice, "original words")
    post.body = "replaced text"
    db.session.commit()
    assert result_ids(page(search(as_alice.client, "original"))) == []
    assert result_ids(page(search(as_alice.client, "replaced"))) == [f"post-{post.id}"]
    db.session.delete(post)
    db.session.commit()
    assert result_ids(page(search(as_alice.client, "replaced"))) == []


def test_results_are_paginated_with_real_links(app, signed_in, alice):
    as_alice = signed_in("alice")
    app.config["POSTS_PER_PAGE"] = 2
    ids = [make_post(alice, f"banana number {i}").id for i in range(5)]
    soup = page(search(as_alice.client, "banana"))
    assert result_ids(soup) == [f"post-{i}" for i in ids[::-1][:2]]
    older = soup.select_one("a[rel=next]")
    assert older["href"] == older["hx-get"] and older["hx-target"] == "#search-results"
    soup2 = page(as_alice.opens(older["href"]))
    assert result_ids(soup2) == [f"post-{i}" for i in ids[::-1][2:4]]
    third = page(as_alice.opens(soup2.select_one("a[rel=next]")["href"]))
    assert result_ids(third) == [f"post-{ids[0]}"] and third.select_one("a[rel=next]") is None


def _block(direction: str, alice, carol) -> None:
    blocker, blocked = (alice, carol) if direction == "alice blocks carol" else (carol, alice)
    db.session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id))
    db.session.commit()


@pytest.mark.parametrize("direction", ["alice blocks carol", "carol blocks alice"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_blocked_authors_best_matches_leave_no_gap_in_the_pages(signed_in, alice, direction, htmx):
    """A blocked author's posts are among the best matches: they are left out before the page is cut, so page 1
    still has 10 posts and an Older link, and page 2 (by that link: the full page, or htmx's fragment) goes on
    with the rest, none lost or repeated; relevance first, then newest."""
    as_alice = signed_in("alice")
    bob, carol = make_user("bob"), make_user("carol")
    visible = [make_post(bob, "tea tea tea")]  # as relevant as carol's, and older
    for day in range(14):
        if day % 3 == 0:
            make_post(carol, "tea tea tea")  # the best matches, and among the newest
        visible.append(make_post(bob, f"I had some tea with a friend on day {day}"))
    _block(direction, alice, carol)
    expected = [f"post-{post.id}" for post in [visible[0], *visible[:0:-1]]]

    first = as_alice.opens("/search?q=tea", **(HTMX if htmx else {}))
    soup = first.fragment("#search-results") if htmx else first.page()
    assert result_ids(soup) == expected[:10]
    second = (first.with_htmx() if htmx else first).follows_link("[rel=next]")
    assert second.status == 200
    soup2 = second.fragment("#search-results") if htmx else second.page()
    assert result_ids(soup2) == expected[10:]
    assert soup2.select_one("a[rel=next]") is None and soup2.select_one("a[rel=prev]") is not None
    assert as_alice.opens("/search?q=tea&page=3").status == 404


@pytest.mark.parametrize("direction", ["alice blocks carol", "carol blocks alice"])
def test_the_ranked_newest_matches_are_the_newest_visible_ones(signed_in, alice, direction, monkeypatch):
    """Only the RANKED newest matches are ranked, counted among the posts the viewer may see: a blocked author's
    newer matches do not push the visible ones out."""
    from microblog.search import engine

    monkeypatch.setattr(engine, "RANKED", 3)
    as_alice = signed_in("alice")
    bob, carol = make_user("bob"), make_user("carol")
    older = [make_post(bob, f"a walk by the river, {n}") for n in range(3)]
    [make_post(carol, f"a river view, {n}") for n in range(3)]
    _block(direction, alice, carol)
    assert result_ids(as_alice.opens("/search?q=river").page()) == [f"post-{p.id}" for p in older[::-1]]
    assert engine.post_ids(["river"], 10, 0, alice.id) == [p.id for p in older[::-1]]
    assert len(engine.post_ids(["river"], 10, 0)) == 3  # nobody hidden: the 3 newest, carol's


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_older_matches_asked_of_the_index_leave_hidden_authors_out_too(signed_in, alice, monkeypatch):
    """PostgreSQL: when the newest RECENT posts hold too few visible matches, the older ones come from the GIN
    index; those too are counted and shown without the hidden authors (a block either way)."""
    from microblog.search import engine

    monkeypatch.setattr(engine, "RECENT", 2)
    engine._statements.cache_clear()
    as_alice = signed_in("alice")
    bob, carol, dave = make_user("bob"), make_user("carol"), make_user("dave")
    old = [make_post(author, f"an old lantern, {n}") for n, author in enumerate([bob, carol, dave, bob, carol])]
    [make_post(bob, f"something else {n}") for n in range(2)]  # the RECENT newest posts: no match there
    db.session.add_all(
        [Block(blocker_id=alice.id, blocked_id=carol.id), Block(blocker_id=dave.id, blocked_id=alice.id)]
    )
    db.session.commit()
    try:
        visible = [f"post-{p.id}" for p in old[::-1] if p.user_id == bob.id]
        assert result_ids(as_alice.opens("/search?q=lantern").page()) == visible
        assert len(engine.post_ids(["lantern"], 10, 0)) == 5
    finally:
        engine._statements.cache_clear()


def test_matches_are_highlighted_and_the_text_stays_text(signed_in, alice):
    as_alice = signed_in("alice")
    make_post(alice, '<script>alert("x")</script> <b>kiwi</b> & kiwis')
    soup = page(search(as_alice.client, "kiwi"))
    article = soup.select_one("#search-posts article")
    assert article.find("script") is None and article.find("b") is None
    assert [m.get_text() for m in article.select("mark")] == ["kiwi", "kiwis"]
    assert '<script>alert("x")</script>' in text(article)


def test_highlighted_markup_is_byte_for_byte_escaped_text_and_marks(signed_in, alice):
    """The page's bytes around a match: every special character escaped as Jinja escapes it, marks only around
    whole words that start with a search word (any case), nothing marked inside a word."""
    as_alice = signed_in("alice")
    make_post(alice, """<i>Kiwi</i> & "kiwis" 'akiwi' kiwi_x KIWI""")
    body = search(as_alice.client, "kiwi").get_data(as_text=True)
    assert (
        "&lt;i&gt;<mark>Kiwi</mark>&lt;/i&gt; &amp; &#34;<mark>kiwis</mark>&#34; &#39;akiwi&#39; "
        "<mark>kiwi_x</mark> <mark>KIWI</mark>"
    ) in body


def test_people_are_found_by_name(signed_in, alice):
    as_alice = signed_in("alice")
    make_user("Carolina")
    make_user("carol")
    make_user("bob")
    make_user("Marcarol")
    soup = page(search(as_alice.client, "CAROL"))
    people = by_id(soup, "search-users")
    assert [a.get_text() for a in people.select("a")] == ["carol", "Carolina"]  # by the start, shortest first
    assert [m.get_text() for m in people.select("mark")] == ["carol", "Carolina"]
    assert people.select("a")[1]["href"] == "/user/Carolina"
    assert page(search(as_alice.client, "%")).find(id="search-users") is None  # LIKE syntax is text too


def test_people_show_their_about_me_on_the_page_and_in_the_fragment(signed_in, alice):
    """SPEC S20: each person a row with avatar, name and about me; the whole row is its one link."""
    as_alice = signed_in("alice")
    make_user("carol", about_me="Trains <b>and</b> cats")
    make_user("caroline")
    for response, people in (
        (search(as_alice.client, "carol"), lambda r: by_id(page(r), "search-users")),
        (search(as_alice.client, "carol", **HTMX), lambda r: fragment(r, "#search-results").find(id="search-users")),
    ):
        assert response.status_code == 200
        rows = people(response).select("li")
        assert [text(row) for row in rows] == ["carol Trains <b>and</b> cats", "caroline"]
        assert [len(row.select("a")) for row in rows] == [1, 1]
        assert rows[0].img["src"].startswith("/avatar/carol.svg")
        assert rows[0].find("b") is None  # about me is text


def test_a_block_either_way_hides_the_about_me_in_people_results(signed_in, alice):
    as_alice = signed_in("alice")
    carol = make_user("carol", about_me="Trains and cats")
    dave = make_user("dave", about_me="Bikes")
    db.session.add_all(
        [Block(blocker_id=alice.id, blocked_id=carol.id), Block(blocker_id=dave.id, blocked_id=alice.id)]
    )
    db.session.commit()
    for name in ("carol", "dave"):
        assert [text(row) for row in by_id(page(search(as_alice.client, name)), "search-users").select("li")] == [name]


def test_an_empty_query_gives_a_hint(signed_in, alice):
    as_alice = signed_in("alice")
    make_post(alice, "something")
    for q in ("", "   ", "***", "\"'()"):
        soup = page(search(as_alice.client, q))
        assert "Type one or more words" in text(by_id(soup, "search-hint")), q
        assert result_ids(soup) == []


def test_no_match_says_so(signed_in, alice):
    as_alice = signed_in("alice")
    make_post(alice, "something")
    assert "No posts match" in text(by_id(page(search(as_alice.client, "zebra")), "search-empty"))


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        '"cat',
        'cat"',
        "NEAR(cat dog)",
        "cat NEAR dog",
        "cat OR dog",
        "cat AND NOT dog",
        "*",
        "cat*",
        "-cat",
        "cat -dog",
        "(cat)",
        "((",
        ")",
        "cat:*",
        "cat & dog | !bird",
        "'",
        "''",
        "\\",
        "\x00",
        "cat\x00dog",
        "x" * 10_000,
        "cat " * 3000,
        "日本語のテキスト",
        "🐱",
        "café",
        "a_b",
        "%_",
        "^cat",
        "{cat}",
        "body:cat",
        "\u202eevil",
    ],
)
def test_query_syntax_is_just_words(signed_in, alice, q):
    as_alice = signed_in("alice")
    make_post(alice, "cat or dog")
    response = search(as_alice.client, q)
    assert response.status_code == 200, q
    assert page(response).find(id="search-results")
    assert search(as_alice.client, q, **HTMX).status_code == 200


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%FF%FE", "%C0%AF", "%", "%%00"])
def test_broken_percent_encoding_is_harmless(signed_in, raw):
    as_alice = signed_in("alice")
    response = as_alice.opens("/search?q=" + raw)
    assert response.status_code == 200 and page(response).find(id="search-results")


def test_operators_are_words(signed_in, alice):
    as_alice = signed_in("alice")
    with_or = make_post(alice, "cat or dog")
    make_post(alice, "cat")
    make_post(alice, "dog")
    assert result_ids(page(search(as_alice.client, "cat OR dog"))) == [f"post-{with_or.id}"]
    assert result_ids(page(search(as_alice.client, "-dog"))) != []  # "dog", not "not dog"


def test_a_page_past_the_results_is_404(signed_in, alice):
    as_alice = signed_in("alice")
    make_post(alice, "lonely word")
    response = as_alice.opens("/search", query_string={"q": "lonely", "page": 2})
    assert response.status_code == 404 and "There is no page 2" in text(by_id(page(response), "error"))


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "9999999", "1.5", ""])
def test_bad_page_numbers_are_400(signed_in, bad):
    as_alice = signed_in("alice")
    assert as_alice.opens("/search", query_string={"q": "cat", "page": bad}).status_code == 400


def test_search_needs_a_signed_in_user(client):
    response = client.get("/search?q=cat")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_messages_are_never_searched(signed_in, alice, bob):
    as_alice = signed_in("alice")
    from tests.conftest import send

    send(bob, alice, "secret pineapple")
    assert result_ids(page(search(as_alice.client, "pineapple"))) == []


# -- the migration indexes the posts that were there before it -------------------------------------


def _migrate_and_search(url: str):
    from flask_migrate import downgrade, upgrade

    app = make_app(url, create_tables=False)
    with app.app_context():
        upgrade(revision="3c1f0a2b7d45")
        db.session.execute(
            sa.text(
                'INSERT INTO "user" (username, username_key, email, password_hash, last_seen, last_read_message_id, '
                "session_token) VALUES ('old', 'old', 'old@example.com', 'x', CURRENT_TIMESTAMP, 0, 't')"
            )
        )
        db.session.execute(
            sa.text(
                "INSERT INTO post (body, timestamp, user_id) VALUES ('an elephant from before', CURRENT_TIMESTAMP, 1)"
            )
        )
        db.session.commit()
        upgrade()
        from microblog.search.engine import post_ids

        assert post_ids(["elephant"], 10, 0) == [1]
        db.session.add(Post(body="a new elephant", user_id=1))
        db.session.commit()
        assert post_ids(["elephant"], 10, 0) == [2, 1]
        db.session.remove()
        downgrade(revision="3c1f0a2b7d45")
        upgrade()
        assert sorted(post_ids(["eleph"], 10, 0)) == [1, 2]
        db.session.remove()
        db.engine.dispose()


def test_the_migration_indexes_existing_posts_on_sqlite(tmp_path):
    _migrate_and_search("sqlite:///" + str(tmp_path / "migrated.db"))


def test_the_migration_indexes_existing_posts_on_postgresql():
    with scratch_pg_database("microblog_search") as url:
        _migrate_and_search(url)


def _fts_schema(url: str, migrate: bool) -> list[str]:
    from flask_migrate import upgrade

    app = make_app(url, create_tables=not migrate)
    with app.app_context():
        if migrate:
            upgrade()
        rows = db.session.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name LIKE 'post_fts%' AND sql IS NOT NULL ORDER BY name")
        ).scalars()
        schema = [" ".join(sql.split()) for sql in rows]
        db.session.remove()
        db.engine.dispose()
    return schema


def test_the_migrated_index_is_the_one_the_models_build_with_prefixes_up_to_six_letters(tmp_path):
    """Search as you type ends on a prefix; FTS5 answers prefixes of 1-6 letters from their own index."""
    migrated = _fts_schema("sqlite:///" + str(tmp_path / "migrated.db"), migrate=True)
    created = _fts_schema("sqlite:///" + str(tmp_path / "created.db"), migrate=False)
    assert migrated == created
    assert any("prefix='1 2 3 4 5 6'" in sql for sql in migrated)
    assert sum(sql.startswith("CREATE TRIGGER post_fts_") for sql in migrated) == 3


def test_a_six_letter_prefix_finds_every_longer_word(signed_in, alice):
    as_alice = signed_in("alice")
    first = make_post(alice, "Polling every ten seconds")
    second = make_post(alice, "A pollinator visits")
    make_post(alice, "A poll")
    assert set(result_ids(page(search(as_alice.client, "pollin")))) == {f"post-{first.id}", f"post-{second.id}"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_word_that_matches_nothing_does_not_walk_every_post(app, alice, monkeypatch):
    """SPEC S22: on PostgreSQL the newest posts are walked first, older matches come from the GIN index; a
    word that matches nothing reads RECENT posts at most, not the whole table."""
    from microblog.search import engine

    monkeypatch.setattr(engine, "RECENT", 500)
    engine._statements.cache_clear()
    db.session.execute(
        sa.text(
            "INSERT INTO post (body, timestamp, user_id) SELECT 'post ' || g || ' about ' || (ARRAY['cats', 'dogs', "
            "'weather', 'python', 'flask', 'music', 'travel', 'food'])[1 + g % 8] || ' and more', now(), :user "
            "FROM generate_series(1, 50000) g"
        ),
        {"user": alice.id},
    )
    db.session.execute(sa.text("ANALYZE post"))
    db.session.commit()
    dialect, params = engine._params(["zzqx"], 10, 0)
    sql = engine._statements(dialect)[0].element.text
    plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, FORMAT JSON) " + sql), params).scalar()

    def removed(node) -> int:
        return (
            node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
            + sum(removed(child) for child in node.get("Plans", []))
        )

    assert removed(plan[0]["Plan"]) <= 500
    assert engine.post_ids(["zzqx"], 10, 0) == [] and len(engine.post_ids(["cats"], 10, 0)) == 10
    engine._statements.cache_clear()
