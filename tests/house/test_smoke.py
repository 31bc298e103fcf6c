from tests.html import by_id, page


def test_home_page_for_signed_in_user(as_alice):
    response = as_alice.get("/index")
    assert response.status_code == 200
    soup = page(response)
    assert by_id(soup, "post-form")["action"] == "/index"
