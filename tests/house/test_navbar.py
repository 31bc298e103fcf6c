"""The navbar's shape (issue 24): the links fold into a <details> menu on phones, the two counts stay out of
it (always in view), their ids and live regions unchanged; signed out, no counts. The browser side (390x844,
keyboard) is tests/browser/test_looks.py."""

from tests.html import actor


def test_the_counts_sit_outside_the_menu_and_keep_their_live_regions(signed_in, alice):
    as_alice = signed_in("alice")
    soup = as_alice.opens("/index").page()
    nav = soup.find("nav")
    menu = nav.find("details", id="site-menu")
    assert menu.find("summary") and menu.find("summary").get_text(strip=True) == "Menu"
    for region, count in (("message-status", "message-count"), ("activity-status", "activity-count")):
        live = nav.find(id=region)
        assert live["role"] == "status" and live.find(id=count)
        assert menu not in live.parents  # in view while the menu is closed
    labels = [a.get_text(strip=True) for a in menu.find_all("a")]
    assert labels == ["Home", "Explore", "Profile", "Settings"]
    assert menu.find("form", action="/auth/logout") and menu.find(id="search-form")
    assert nav.find_all(attrs={"aria-current": "page"}) == [menu.find("a", href="/index")]


def test_signed_out_the_menu_has_sign_in_and_register_and_no_counts(client):
    soup = actor(client).opens("/auth/login").page()
    menu = soup.find("details", id="site-menu")
    assert [a.get_text(strip=True) for a in menu.find_all("a")] == ["Home", "Explore", "Sign in", "Register"]
    assert soup.find(id="message-status") is None and soup.find(id="activity-status") is None
