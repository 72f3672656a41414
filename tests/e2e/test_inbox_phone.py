"""Each role opens on its to-do list: the inspector's today's visit and a fix to verify,
the manager's notice to acknowledge and the overdue fix in red, each one tap from the
page where it is done; the lead at 1280 px a table of results nearing their limit."""

import re

import pytest
from playwright.sync_api import expect

from registry.demo import DEMO_PASSWORD
from tests import demo_county
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in
from tests.e2e.test_wide_screens import WIDE, red_text


@pytest.fixture
def demo(transactional_db, live_server, request):
    demo_county.load(request)


def task(page, kind):
    return page.locator(f'table.tasks tr[data-task="{kind}"]')


def test_the_inspector_opens_on_the_visit_and_the_fix_to_verify(demo, live_server, page, shot):
    base = live_server.url
    log_in(page, base, "demo-inspector", DEMO_PASSWORD)
    page.goto(f"{base}/")
    visit, verify = task(page, "visit"), task(page, "verify")
    expect(visit).to_have_count(1)
    expect(verify).to_have_count(1)
    assert_no_horizontal_scroll(page)
    shot("1-inspector-inbox")
    with page.expect_navigation():
        visit.locator("a.task-link").click()
    assert re.search(r"/inspections/inspections/\d+/$", page.url)
    page.go_back()
    with page.expect_navigation():
        task(page, "verify").locator("a.task-link").click()
    assert re.search(r"/inspections/hazards/\d+/#verify$", page.url)
    expect(page.locator("form#verify")).to_be_visible()


def test_the_manager_sees_the_notice_and_the_overdue_fix_in_red(demo, live_server, page, shot):
    base = live_server.url
    log_in(page, base, "demo-manager", DEMO_PASSWORD)
    page.goto(f"{base}/")
    notice = task(page, "acknowledge")
    expect(notice).to_have_count(1)
    with page.expect_navigation():
        notice.locator("a.task-link").click()
    assert re.search(r"/inspections/notices/\d+/$", page.url)

    page.context.clear_cookies()
    log_in(page, base, "demo-manager2", DEMO_PASSWORD)
    page.goto(f"{base}/")
    overdue = page.locator('table.tasks tr.overdue[data-task="rectify"]').first
    chip = overdue.locator(".chip.overdue")
    expect(chip).to_contain_text("已逾期")
    assert red_text(chip)
    # On the phone each task is a card, not a table row.
    assert overdue.evaluate("row => getComputedStyle(row).display") == "block"
    assert_no_horizontal_scroll(page)
    shot("2-manager-overdue")


def test_the_lead_on_a_wide_screen_has_a_table_of_results_nearing_the_limit(
    demo, live_server, browser
):
    context = browser.new_context(viewport=WIDE, locale="zh-CN")
    page = context.new_page()
    try:
        base = live_server.url
        log_in(page, base, "demo-lead", DEMO_PASSWORD)
        page.goto(f"{base}/")
        nearing = page.locator("table.nearing")
        expect(nearing).to_be_visible()
        # A real table on a wide screen, not cards.
        assert nearing.evaluate("t => getComputedStyle(t).display") == "table"
        expect(nearing.locator("tbody tr").first).to_be_visible()
        expect(task(page, "review").first).to_be_visible()
    finally:
        context.close()
