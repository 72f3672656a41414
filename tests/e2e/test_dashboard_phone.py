"""The bureau lead's hazard dashboard on a 360 px phone: the page does not scroll
sideways, the table scrolls inside its own wrapper, and a number opens its list.
The supervision overview too, with every chart visible within the screen."""

from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in
from tests.inspections.conftest import make_hazard


def test_the_dashboard_table_scrolls_inside_its_wrapper(
    transactional_db, live_server, page, shot, lead, world
):
    make_hazard(world["facility"], lead, severity="major", status="overdue")
    make_hazard(world["other_facility"], lead, department="fire_rescue")
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url, lead.username, PASSWORD)
    assert page.goto(f"{live_server.url}/reports/dashboard/").status == 200
    assert_no_horizontal_scroll(page)
    wrap_scroll, wrap_width = page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap');"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap_scroll > wrap_width
    shot("360-dashboard")
    with page.expect_navigation():
        page.click("tbody td[data-column=overdue] a")
    assert "/inspections/hazards/" in page.url
    assert page.locator("table.rows tbody tr").count() == 1
    assert_no_horizontal_scroll(page)
    shot("360-overdue-list")


def test_the_overview_fits_a_phone_with_every_chart_readable(
    transactional_db, live_server, page, shot, lead, world
):
    make_hazard(world["facility"], lead, severity="major", status="overdue", category="fire")
    make_hazard(world["other_facility"], lead, category="food")
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url, lead.username, PASSWORD)
    assert page.goto(f"{live_server.url}/reports/overview/").status == 200
    assert_no_horizontal_scroll(page)
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 12
    for n in range(charts.count()):
        chart = charts.nth(n)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["x"] >= 0 and 0 < box["x"] + box["width"] <= 360 and box["height"] > 0
        assert chart.get_attribute("aria-label")
    # The chart's text scales with the drawing: still about 11 px on a 360 px phone.
    label = page.locator("#facilities svg.chart text.label").first
    assert label.bounding_box()["height"] >= 10
    shot("360-overview")
    with page.expect_navigation():
        page.click("#facilities tbody td a")
    assert "/inspections/hazards/" in page.url
    # Each facility has one open hazard.
    assert page.locator("table.rows tbody tr").count() == 1
    assert_no_horizontal_scroll(page)
