"""The demo lead on a 1280×800 screen: the navigation is a bar with no hamburger, the
unread badge sits in the header, and the hazard register is a table whose overdue
chip says so in red words. On a phone the same register is cards, each cell with its
column's name, and nothing scrolls sideways."""

import pytest
from playwright.sync_api import expect

from registry.demo import DEMO_PASSWORD
from tests import demo_county
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in

WIDE = {"width": 1280, "height": 800}
HAZARDS = "/inspections/hazards/"


@pytest.fixture
def demo(transactional_db, live_server, request):
    demo_county.load(request)


@pytest.fixture
def wide(browser):
    """A desktop browser window, 1280×800, with a mouse and no touch."""
    context = browser.new_context(viewport=WIDE, locale="zh-CN")
    context.set_default_timeout(15_000)
    blocked = []
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert blocked == [], f"blocked by the Content-Security-Policy: {blocked}"


def red_text(locator):
    red, green, blue = locator.evaluate(
        "e => getComputedStyle(e).color.match(/\\d+/g).slice(0, 3).map(Number)"
    )
    return red > 100 and red > 2 * green and red > 2 * blue


def test_the_lead_on_a_wide_screen_has_a_navigation_bar_and_a_table(demo, live_server, wide):
    base = live_server.url
    log_in(wide, base, "demo-lead", DEMO_PASSWORD)
    bar = wide.locator("nav.navbar")
    expect(bar).to_be_visible()
    expect(bar.locator(f'a[href="{HAZARDS}"]')).to_be_visible()
    # No hamburger: the menu's summary names the account instead.
    expect(wide.locator("details.menu .menu-icon")).to_be_hidden()
    assert "☰" not in wide.locator("header").inner_text()
    expect(wide.locator("details.menu .menu-account")).to_be_visible()
    expect(wide.locator("header a.unread-badge")).to_be_visible()
    assert wide.locator("header a.unread-badge").get_attribute("href") == "/notifications/"

    with wide.expect_navigation():
        bar.locator(f'a[href="{HAZARDS}"]').click()
    table = wide.locator("table.rows")
    assert table.evaluate("e => getComputedStyle(e).display") == "table"
    expect(table.locator("thead th").first).to_be_visible()
    assert table.locator("tbody tr").count() > 1
    overdue = table.locator("tbody td .chip.overdue[data-due]").first
    expect(overdue).to_be_visible()
    expect(overdue).to_contain_text("已逾期")
    assert red_text(overdue)
    assert wide.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wide.screenshot(path=ARTIFACTS / "wide-lead-hazard-register.png", full_page=True)


def test_on_a_phone_the_same_register_is_cards_without_sideways_scroll(
    demo, live_server, page, shot
):
    base = live_server.url
    log_in(page, base, "demo-lead", DEMO_PASSWORD)
    assert page.goto(f"{base}{HAZARDS}").status == 200
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("details.menu summary")).to_contain_text("菜单")
    expect(page.locator("header a.unread-badge")).to_be_visible()
    row = page.locator("table.rows tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "block"
    status = row.locator("td[data-label]").nth(1)
    assert status.evaluate("e => getComputedStyle(e, '::before').content") == '"状态"'
    overdue = page.locator("table.rows td .chip.overdue[data-due]").first
    overdue.scroll_into_view_if_needed()
    expect(overdue).to_contain_text("已逾期")
    assert red_text(overdue)
    assert_no_horizontal_scroll(page)
    shot("phone-hazard-register")
