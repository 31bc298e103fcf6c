"""The write side of htmx (issue 19, item 4): after_post, render_form (the 422 rule), the response modifiers
(microblog/htmx.py), the Limit value and the one 429 answer (microblog/ratelimit.py); and, read from the
source, that no view builds those answers by hand any more.

The helpers are called in a request context with hand-made headers (what each kind of request sends): what
they answer is the point here, not a page's forms; the routes that use them are tested through their forms
in their features' tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import session

from microblog import htmx, ratelimit
from microblog.extensions import db
from microblog.ratelimit import Limit, RateLimitHit
from tests.conftest import HTMX
from tests.html import actor, by_id, fragment, page, text

PACKAGE = Path(htmx.__file__).parent
BOOSTED = {**HTMX, "HX-Boosted": "true"}
HISTORY_RESTORE = {**HTMX, "HX-History-Restore-Request": "true"}
ERROR = {"code": 400, "title": "Bad", "message": "Fix it"}  # the context of the error page and its partial


def varies(response) -> bool:
    return "HX-Request" in response.headers.get("Vary", "")


# Response modifiers


def test_modifiers_set_one_header_each_and_compose(app):
    with app.test_request_context("/"):
        response = htmx.answer("x")
        assert htmx.retarget(response, "#here") is response
        assert htmx.reswap(response, "outerHTML") is response
        assert htmx.push_url(response, "/there") is response
        assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#here", "outerHTML")
        assert response.headers["HX-Push-Url"] == "/there"
        assert htmx.push_url(htmx.answer("y"), False).headers["HX-Push-Url"] == "false"


def test_the_error_region_rule_is_written_once_and_used_by_error(app):
    with app.test_request_context("/"):
        region = htmx.to_error_region(htmx.answer("x"))
    expected = {"HX-Retarget": "#error-region", "HX-Reswap": "innerHTML", "HX-Push-Url": "false"}
    assert {name: region.headers[name] for name in expected} == expected
    with app.test_request_context("/", headers=HTMX):
        gone = htmx.error("gone", 410)
        assert {name: gone.headers[name] for name in expected} == expected
        htmx.mark_poll()
        polled = htmx.error("down", 503)
        assert polled.headers["HX-Reswap"] == "none" and "HX-Retarget" not in polled.headers


# after_post: the fragment for htmx, else 303


def test_after_post_redirects_a_plain_form_with_303_and_flashes_for_the_next_page(app):
    loaded = []
    with app.test_request_context("/", method="POST"):
        response = htmx.after_post(
            "/there", "partials/shared/flashes.html", flashed=("Done", "success"), load=lambda: loaded.append(1) or {}
        )
        assert response.status_code == 303 and response.headers["Location"] == "/there"
        assert response.get_data() == b"" and varies(response)
        assert session["_flashes"] == [("success", "Done")]
    assert loaded == [], "what only the fragment needs is not loaded for a redirect"


@pytest.mark.parametrize("headers", [BOOSTED, HISTORY_RESTORE])
def test_after_post_sends_a_boosted_form_to_the_page_with_a_client_redirect(app, headers):
    with app.test_request_context("/", method="POST", headers=headers):
        response = htmx.after_post("/there", "partials/shared/flashes.html", flashed=("Done", "success"))
        assert response.status_code == 204 and response.headers["HX-Redirect"] == "/there"
        assert "Location" not in response.headers
        assert session["_flashes"] == [("success", "Done")], "the page it goes to shows the flash"


def test_after_post_answers_htmx_with_the_fragment_and_its_out_of_band_parts(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.after_post(
            "/there",
            "partials/errors/error.html",
            flashed=("Done", "success"),
            oob=(htmx.FLASHES,),
            load=lambda: {"message": "Loaded"},
            code=400,
            title="Bad",
        )
        assert response.status_code == 200 and varies(response)
        assert "Location" not in response.headers and "HX-Redirect" not in response.headers
        answer = fragment(response)
        assert text(by_id(answer, "error")) == "Bad Loaded"
        flashes = by_id(answer, "flashes")
        assert flashes["hx-swap-oob"] == "true" and text(flashes) == "Done"
        # The parts come in order: the partial, the out-of-band ones, then the emptied error region.
        ids = [element["id"] for element in answer.find_all(id=True, recursive=False)]
        assert ids == ["error", "flashes", "error-region"]
        assert "_flashes" not in session, "the flash went out with the fragment, not to the next page"


def test_after_post_without_the_flashes_out_of_band_keeps_the_flash_off_the_fragment(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.after_post("/there", "partials/errors/error.html", flashed=("Done", "info"), **ERROR)
        assert response.status_code == 200 and by_id(fragment(response), "error")
        assert "_flashes" not in session, "a flash not shown now would pop up on some later page"


def test_after_post_without_a_partial_empties_the_target_and_sends_only_the_out_of_band_parts(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.after_post("/there", oob=(htmx.FLASHES,), flashed=("Gone", "success"))
        answer = fragment(response)
        assert response.status_code == 200
        assert [element["id"] for element in answer.find_all(id=True)] == ["flashes", "error-region"]


def test_after_post_not_in_place_sends_htmx_to_the_page(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.after_post("/there", "partials/errors/error.html", in_place=False, **ERROR)
        assert response.status_code == 204 and response.headers["HX-Redirect"] == "/there"


def test_after_post_with_a_title_starts_the_fragment_with_it(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.after_post("/there", "partials/errors/error.html", title="Messages", code=400, message="m")
        assert response.get_data(as_text=True).lstrip().startswith("<title>")


# render_form: 200 shown, 422 after a failed submission


def test_render_form_shows_the_page_with_200(app):
    with app.test_request_context("/"):
        response = htmx.render_form("errors/error.html", "partials/errors/error.html", **ERROR)
        assert response.status_code == 200 and varies(response)
        assert text(by_id(page(response), "error")) == "Bad Fix it"


def test_render_form_answers_a_failed_submission_with_422_the_page_or_the_form_in_place(app):
    with app.test_request_context("/", method="POST"):
        response = htmx.render_form("errors/error.html", "partials/errors/error.html", **ERROR)
        assert response.status_code == 422
        page(response)
    for headers in (BOOSTED, HISTORY_RESTORE):
        with app.test_request_context("/", method="POST", headers=headers):
            response = htmx.render_form("errors/error.html", "partials/errors/error.html", **ERROR)
            assert response.status_code == 422
            page(response)
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.render_form("errors/error.html", "partials/errors/error.html", **ERROR)
        assert response.status_code == 422 and varies(response)
        assert "HX-Retarget" not in response.headers and "HX-Reswap" not in response.headers
        assert "error-region" not in response.get_data(as_text=True), "an error leaves the region alone"
        by_id(fragment(response), "error")


def test_render_form_with_a_page_only_and_headers(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.render_form("errors/error.html", headers={"Cache-Control": "no-store"}, **ERROR)
        assert response.status_code == 422 and response.headers["Cache-Control"] == "no-store"
        page(response)


def test_render_form_status_says_otherwise(app):
    with app.test_request_context("/", method="POST"):
        assert htmx.render_form("errors/error.html", status=200, **ERROR).status_code == 200


def test_render_form_with_a_page_of_its_own_swaps_only_the_form_in_place_for_htmx(app):
    built = []

    def whole_page(status):
        built.append(status)
        return htmx.answer("the whole page", status)

    with app.test_request_context("/", method="POST"):
        response = htmx.render_form(whole_page, in_place="partials/errors/error.html", **ERROR)
        assert (response.status_code, response.get_data(as_text=True)) == (422, "the whole page")
    with app.test_request_context("/"):
        assert htmx.render_form(whole_page, in_place="partials/errors/error.html", **ERROR).status_code == 200
    assert built == [422, 200]
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = htmx.render_form(whole_page, in_place="partials/errors/error.html", **ERROR)
        assert response.status_code == 422
        by_id(fragment(response), "error")
    assert built == [422, 200], "the failed htmx submission did not build the page"


def test_render_form_swaps_only_the_form_in_place_where_the_pages_partial_is_more(app):
    args = ("errors/error.html", htmx.FLASHES)  # a page, and a partial that is not the form
    with app.test_request_context("/", headers=HTMX):
        shown = htmx.render_form(*args, in_place="partials/errors/error.html", **ERROR)
        assert shown.status_code == 200 and by_id(fragment(shown), "flashes")
    with app.test_request_context("/", method="POST", headers=HTMX):
        failed = htmx.render_form(*args, in_place="partials/errors/error.html", **ERROR)
        assert failed.status_code == 422 and by_id(fragment(failed), "error")
        assert not fragment(failed).find(id="flashes")


# Through a page's own forms, with CSRF on: the helpers as the views use them


def test_a_post_ends_in_place_for_htmx_and_with_303_for_a_plain_form(csrf_app, alice):
    alice = actor(csrf_app.test_client(), "alice")
    alice.signs_in()
    home = alice.opens("/index")
    created = home.with_htmx().submits("#post-form", post="hello from htmx")
    assert created.status == 200 and "Location" not in created.headers
    assert created.fragment("#post-form") and "hello from htmx" in created.html
    assert text(created.fragment("#flashes")) == "Your post is now live!"
    plain = alice.opens("/index").submits("#post-form", post="hello without script")
    assert plain.status == 303 and plain.location == "/index"
    assert "Your post is now live!" in plain.follows_redirect().text("flashes")


def test_following_swaps_the_controls_for_htmx_and_goes_to_the_profile_otherwise(csrf_app, alice, bob):
    alice = actor(csrf_app.test_client(), "alice")
    alice.signs_in()
    followed = alice.opens("/user/bob").with_htmx().presses("Follow")
    assert followed.status == 200 and "Unfollow" in text(followed.fragment("#follow-controls"))
    unfollowed = alice.opens("/user/bob").presses("Unfollow")
    assert unfollowed.status == 303 and unfollowed.location == "/user/bob"
    assert "You are not following bob." in unfollowed.follows_redirect().text("flashes")


def test_a_failed_form_is_422_in_place_for_htmx_and_the_whole_page_otherwise(csrf_app, alice):
    alice = actor(csrf_app.test_client(), "alice")
    alice.signs_in()
    in_place = alice.opens("/index").with_htmx().submits("#post-form", post="")
    assert in_place.status == 422 and "HX-Retarget" not in in_place.headers
    assert in_place.fragment("#post-form")
    whole = alice.opens("/index").submits("#post-form", post="")
    assert whole.status == 422 and whole.page().find(id="post-list")


def test_the_one_rule_a_boosted_post_gets_the_page_never_a_fragment(signed_in, alice, bob):
    as_alice = signed_in("alice").client  # its test client: this test sends requests by hand
    # Raw POSTs with hand-made headers: no page boosts these forms today; the rule must hold when one does.
    for url in ("/follow/bob", "/block/bob"):
        response = as_alice.post(url, headers=BOOSTED)
        assert response.status_code == 204 and response.headers["HX-Redirect"] == "/user/bob", url
        assert response.get_data() == b""
    assert as_alice.post("/unblock/bob", headers=HTMX).status_code == 200


# Limit, hit_all and the one 429 answer


def hits(bucket: str) -> dict[str, int]:
    rows = db.session.execute(sa.select(RateLimitHit.key, RateLimitHit.count).where(RateLimitHit.bucket == bucket))
    return dict(rows.all())


def test_a_limit_counts_its_hits_and_says_how_long_to_wait(rl_app):
    with rl_app.test_request_context("/"):
        limit = Limit("t-limit", "k", 2, 60)
        assert [limit.hit(), limit.hit()] == [None, None]
        retry = limit.hit()
        assert retry is not None and 1 <= retry <= 60
        assert limit.count()[0] == 4
        limit.refund()
        assert hits("t-limit") == {"k": 3}
        rl_app.config["RATELIMIT_T"] = (7, 30)
        assert Limit.configured("t", "key", "RATELIMIT_T") == Limit("t", "key", 7, 30)


def test_hit_all_counts_every_limit_and_waits_for_the_longest(rl_app):
    with rl_app.test_request_context("/"):
        short, long, free = (
            Limit("t-short", "k", 0, 10),
            Limit("t-long", "k", 0, 3600),
            Limit("t-free", "k", 5, 60),
        )
        retry = ratelimit.hit_all([short, long, free])
        assert retry is not None and retry > 10
        counted = [hits(bucket) for bucket in ("t-short", "t-long", "t-free")]
        assert counted == [{"k": 1}] * 3, "every limit counted, also past one over"
        assert ratelimit.hit_all([free]) is None
        assert ratelimit.hit_all([]) is None


def test_too_many_is_the_error_page_fragment_or_json_with_retry_after(app):
    with app.test_request_context("/"):
        response = ratelimit.too_many(42, "Slow down.")
        assert (response.status_code, response.headers["Retry-After"]) == (429, "42")
        assert "Slow down." in text(by_id(page(response), "error"))
    with app.test_request_context("/", headers=HTMX):
        response = ratelimit.too_many(42, "Slow down.")
        assert (response.status_code, response.headers["Retry-After"]) == (429, "42")
        assert "HX-Retarget" not in response.headers, "a 429 swaps where the request aimed"
        by_id(fragment(response), "error")
    with app.test_request_context("/notifications"):  # a JSON route
        response = ratelimit.too_many(42, "Slow down.")
        assert response.status_code == 429 and response.headers["Retry-After"] == "42"
        assert response.get_json() == {"error": "Too many requests", "message": "Slow down.", "status": 429}


def test_too_many_makes_the_routes_own_answer_a_429(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        form_again = htmx.render_form("errors/error.html", "partials/errors/error.html", **ERROR)
        response = ratelimit.too_many(7, answer=form_again)
        assert (response.status_code, response.headers["Retry-After"]) == (429, "7")
        by_id(fragment(response), "error")


# No view builds these answers by hand (read from the source)


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text())


def calls(node) -> set[str]:
    """The names a piece of code calls (`f(...)` and `x.f(...)` alike)."""
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def loose_counts(node) -> bool:
    """Calls ratelimit's counting functions with loose (bucket, key, hits, seconds) rather than a Limit."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            owner = call.func.value
            if isinstance(owner, ast.Name) and owner.id == "ratelimit" and call.func.attr in LOOSE:
                return True
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in LOOSE:
            return True
    return False


LOOSE = {"hit", "count_hit", "refund", "peek"}
HELPERS = {"htmx.py", "ratelimit.py", "errors.py"}  # where the answers are built, once
# A status that is not ours: what the translation service answered (posts/translation.py).
UPSTREAM_STATUS = {("posts/translation.py", 429)}


def hand_built(tree: ast.Module, name: str) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in (422, 429) and type(node.value) is int:
            if (name, node.value) not in UPSTREAM_STATUS:
                found.append(f"{name}:{node.lineno}: status {node.value} (render_form, ratelimit.too_many)")
        if isinstance(node, ast.Constant) and node.value == "Retry-After" and name != "push/views.py":
            found.append(f"{name}:{node.lineno}: Retry-After by hand (ratelimit.too_many)")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            called = calls(node)
            if {"fragment", "redirect_after_post"} <= called:
                found.append(f"{name}:{node.lineno}: {node.name} answers fragment-else-303 by hand (after_post)")
            if loose_counts(node):
                found.append(f"{name}:{node.lineno}: {node.name} counts a limit without a Limit")
            if "is_htmx" in called and name not in {"errors.py", "auth/login.py", "notifications/email_views.py"}:
                found.append(f"{name}:{node.lineno}: {node.name} asks is_htmx() (views render by wants_fragment)")
    return found


def test_no_view_hand_builds_a_422_a_429_or_a_fragment_else_303():
    found = [line for name, tree in modules() if name not in HELPERS for line in hand_built(tree, name)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "def v():\n    return render('p.html', 'q.html', status=422 if form.is_submitted() else 200)\n",
        "def v():\n    return error_response(429, 'slow', {'Retry-After': '5'})\n",
        "def v():\n    if wants_fragment():\n        return fragment('a.html')\n    return redirect_after_post('/')\n",
        "def v():\n    return ratelimit.hit('b', 'k', 3, 60)\n",
        "def v():\n    return fragment('a.html') if is_htmx() else None\n",
    ],
)
def test_the_source_check_finds_each_hand_built_answer(source):
    assert hand_built(ast.parse(source), "someview.py")
