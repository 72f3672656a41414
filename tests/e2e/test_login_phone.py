"""A bureau lead on a phone: log in through the real form, open the menu,
reach the facility list of their county.

The tests ask for ``transactional_db`` before the personas: the live server runs in
another thread, which sees only committed data.
"""

from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_no_horizontal_scroll


def log_in(page, base_url, username, password):
    """Fill in and send the log-in form; returns the response of the page it leads to."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation() as navigation:
        page.click("form.stack button[type=submit]")
    return navigation.value


def test_a_lead_logs_in_on_a_phone_and_finds_the_county_facilities(
    transactional_db, live_server, page, shot, lead, world
):
    assert page.goto(f"{live_server.url}/accounts/login/").status == 200
    assert_no_horizontal_scroll(page)
    shot("1-login")

    home = log_in(page, live_server.url, lead.username, PASSWORD)
    assert home.status == 200
    assert home.url == f"{live_server.url}/"
    assert "陈堃" in page.inner_text("main")
    assert_no_horizontal_scroll(page)
    shot("2-home")

    page.click("details.menu summary")
    facilities_link = page.locator('details.menu nav a[href="/registry/facilities/"]')
    assert facilities_link.is_visible()
    shot("3-menu")

    with page.expect_navigation() as navigation:
        facilities_link.click()
    assert navigation.value.status == 200
    assert navigation.value.url == f"{live_server.url}/registry/facilities/"
    listing = page.inner_text("main")
    assert world["facility"].name in listing
    assert world["other_facility"].name in listing
    assert world["far_facility"].name not in listing
    assert_no_horizontal_scroll(page)
    shot("4-facilities")


def test_a_wrong_password_is_refused_in_chinese(transactional_db, live_server, page, shot, lead):
    response = log_in(page, live_server.url, lead.username, "not-the-password")

    assert response.status == 200
    assert response.url.startswith(f"{live_server.url}/accounts/login/")
    error = page.locator("[role=alert]")
    assert error.is_visible()
    assert "密码" in error.inner_text()
    assert_no_horizontal_scroll(page)
    shot("wrong-password")
