"""The rectification loop on phones, through the demo's pages: the facility manager
acknowledges the notice and reports each fix with a photo, the inspector rejects one
with a reason, the manager reports it again, the inspector accepts, and the facility's
open-hazard count reaches zero (隐患动态清零)."""

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from inspections.hazards.models import Hazard
from registry.demo import DEMO_PASSWORD
from registry.models import Facility
from tests import demo_county
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_scroll
from tests.e2e.test_inspection_phone import phone_page
from tests.e2e.test_login_phone import log_in

REASON = "照片未显示防火门闭门器，请补拍"


@pytest.fixture
def home(transactional_db, live_server, request):
    """demo-manager's facility with its two hazards of the unacknowledged notice."""
    demo_county.load(request)
    return Facility.objects.get(managers__username="demo-manager")


def after_photo(tmp_path, name):
    image = Image.new("RGB", (1200, 900), (90, 150, 100))
    ImageDraw.Draw(image).rectangle([300, 200, 900, 850], fill=(120, 90, 60))
    path = tmp_path / f"{name}.jpg"
    image.save(path, "JPEG", quality=85)
    return path


def open_count(page, base, facility):
    page.goto(f"{base}/inspections/hazards/?facility={facility.pk}")
    assert_no_horizontal_scroll(page)
    return int(page.locator("[data-open-count]").inner_text())


def report_fix(page, base, hazard, text, photo):
    page.goto(f"{base}{hazard.get_absolute_url()}")
    form = page.locator('form[action$="/rectify/"]')
    form.locator("textarea[name=description]").fill(text)
    form.locator("input[name=photos]").set_input_files(photo)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".messages, .message, main").first).to_contain_text("复核")


def verify(page, base, hazard, decision, reason=""):
    page.goto(f"{base}{hazard.get_absolute_url()}")
    assert_no_horizontal_scroll(page)
    form = page.locator('form[action$="/verify/"]')
    if reason:
        form.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        form.locator(f"button[value={decision}]").click()


def test_a_fix_rejected_then_accepted_brings_the_facility_to_zero(
    home, live_server, page, browser, shot, tmp_path
):
    base = live_server.url
    first, second = home.hazards.filter(status__in=Hazard.OPEN).order_by("register_no")
    log_in(page, base, "demo-manager", DEMO_PASSWORD)
    assert open_count(page, base, home) == 2
    shot("1-register")

    page.goto(f"{base}{first.get_absolute_url()}")
    page.locator(f'a[href="/inspections/notices/{first.notice_id}/"]').last.click()
    assert_no_horizontal_scroll(page)
    shot("2-notice")
    with page.expect_navigation():
        page.locator("form button.big").click()
    report_fix(page, base, first, "已调整闭门器，防火门保持常闭", after_photo(tmp_path, "door"))
    shot("3-reported")
    report_fix(page, base, second, "已排定夜班双人值守并建立巡查记录", after_photo(tmp_path, "log"))

    inspector = phone_page(browser)
    log_in(inspector, base, "demo-inspector", DEMO_PASSWORD)
    verify(inspector, base, first, "reject", REASON)
    verify(inspector, base, second, "accept")
    inspector.screenshot(path=ARTIFACTS / "rectification-inspector-verified.png", full_page=True)

    page.goto(f"{base}{first.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text(REASON)
    shot("5-rejected")
    assert open_count(page, base, home) == 1
    report_fix(page, base, first, "已更换闭门器并补拍全景", after_photo(tmp_path, "door2"))

    verify(inspector, base, first, "accept")
    expect(inspector.locator("main")).to_contain_text("已销号")

    assert open_count(page, base, home) == 0
    expect(page.locator("main")).to_contain_text("目标已达成")
    shot("6-zero")
    assert set(home.hazards.values_list("status", flat=True)) == {"closed"}
