"""Complaints on phones: a visitor sends a complaint with a photo through the public
form, keeps the tracking number and query code shown once, and looks it up."""

import pytest
from playwright.sync_api import expect

from inspections.complaints.models import Complaint
from inspections.complaints.services import county_of
from registry.models import Facility
from tests import demo_county
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_inspection_phone import photo_file

TEXT = "夜间护理员不在岗，老人按铃二十分钟无人应答。"


@pytest.fixture
def home(transactional_db, live_server, request):
    demo_county.load(request)
    return Facility.objects.get(managers__username="demo-manager")


def test_a_visitor_sends_a_complaint_and_looks_it_up(home, live_server, page, shot, tmp_path):
    base = live_server.url
    page.goto(f"{base}/public/")
    with page.expect_navigation():
        page.locator('a.card[href="/public/complaints/"]').click()
    assert_no_horizontal_scroll(page)
    page.select_option("select[name=county]", str(county_of(home.region).pk))
    page.select_option("select[name=facility]", str(home.pk))
    page.select_option("select[name=category]", "care")
    page.fill("textarea[name=text]", TEXT)
    page.set_input_files("input[name=uploads]", str(photo_file(tmp_path)))
    page.fill("input[name=phone]", "13912345678")
    shot("1-form")
    with page.expect_navigation():
        page.locator("form.complaint-form button[type=submit]").click()
    assert_no_horizontal_scroll(page)
    number = page.locator(".tracking-number").inner_text().strip()
    code = page.locator(".query-code").inner_text().strip()
    shot("2-code-shown-once")
    complaint = Complaint.objects.get(number=number)
    assert complaint.number == number and complaint.photos.count() == 1
    assert complaint.text == TEXT and complaint.facility == home

    page.reload()
    expect(page.locator(".query-code")).to_have_count(0)
    with page.expect_navigation():
        page.locator('a[href="/public/complaints/lookup/"]').first.click()
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", "WRONG234")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("main .error")).to_be_visible()
    expect(page.locator(".complaint-status")).to_have_count(0)
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code.lower())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".complaint-status")).to_contain_text(number)
    expect(page.locator("main")).not_to_contain_text("13912345678")
    assert_no_horizontal_scroll(page)
    shot("3-status")
