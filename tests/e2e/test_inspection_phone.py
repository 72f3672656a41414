"""An unannounced case-triggered inspection on two inspectors' phones, from the
list to the finish; and the facility manager, who must not see it before it starts.

Everything goes through the real pages of the demo data (``seed_demo``): answers
and photos are saved by the page's script as they are given, so the test waits on
what the page shows ("已保存", the thumbnail) instead of sleeping.
"""

import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from inspections.onsite import services
from inspections.onsite.models import Inspection, Photo
from registry.demo import DEMO_PASSWORD
from registry.models import User
from tests import demo_county
from tests.e2e.conftest import ARTIFACTS, PHONE, assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in

SAVED = re.compile(r"^已保存 · ")


@pytest.fixture
def demo(transactional_db, live_server, request):
    """The demo county, and its unannounced case-triggered inspection waiting for its team."""
    demo_county.load(request)
    return Inspection.objects.get(kind=Inspection.Kind.CASE, status=Inspection.Status.SCHEDULED)


def phone_page(browser):
    """Another phone, set up like the ``page`` fixture's (the second inspector's)."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def photo_file(tmp_path):
    """A JPEG as a phone would keep it in its gallery."""
    image = Image.new("RGB", (1600, 1200), (170, 150, 120))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1600, 200):
        draw.rectangle([x, 700, x + 120, 1150], fill=(80, 70, 60))
    path = tmp_path / "corridor.jpg"
    image.save(path, "JPEG", quality=85)
    return path


def link_to(page, inspection):
    return page.locator(f'main a[href="{inspection.get_absolute_url()}"]')


def failed_code(inspection, key):
    """The code of the item answered under ``key`` (``i<item pk>``)."""
    return inspection.answers.select_related("item").get(item_id=int(key[1:])).item.code


def test_two_inspectors_run_an_unannounced_inspection_on_their_phones(
    demo, live_server, browser, page, shot, request, tmp_path
):
    inspection = demo
    base = live_server.url
    finish_url = f"{base}/inspections/inspections/{inspection.pk}/finish/"

    # Log in, find the assigned inspection in the list.
    log_in(page, base, "demo-inspector", DEMO_PASSWORD)
    page.goto(f"{base}/inspections/inspections/")
    assert_no_horizontal_scroll(page)
    shot("01-list")
    with page.expect_navigation():
        link_to(page, inspection).first.click()
    assert page.url == f"{base}{inspection.get_absolute_url()}"
    shot("02-detail")

    # Start on site: the checklist opens.
    with page.expect_navigation():
        page.click("a.button:has-text('开始现场检查')")
    shot("03-start")
    with page.expect_navigation():
        page.click("button:has-text('立即开始')")
    assert page.url == f"{base}/inspections/inspections/{inspection.pk}/checklist/"
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS
    assert inspection.started_at is not None

    # Answer every checklist item as it passes; the page saves each answer on its
    # own. The facility's open hazards come first, to re-check: optional on a case
    # inspection, and left alone here. One tap at a time, each waiting for its
    # "已保存", as a person would.
    rechecks = page.locator("article.item-card[data-entry][id^=h]")
    assert rechecks.count() == 2
    cards = page.locator("article.item-card[data-entry][id^=i]")
    total = cards.count()
    assert total == 22
    # "Next unanswered" skips the optional re-checks to the first item.
    page.locator("a[data-next-unanswered]").first.click()
    expect(cards.first).to_be_in_viewport()
    expect(rechecks.first).not_to_be_in_viewport()
    for index in range(total):
        card = cards.nth(index)
        passing = card.locator("button[name=value][value=pass]")
        if passing.count():
            passing.click()
        else:  # SVC-21, a number: in the passing range shown on the card
            assert "≤ 100" in card.inner_text()
            card.locator("input[name=typed_value]").fill("85")
            card.locator("button[data-save]").click()
        expect(card.locator("[data-state]")).to_have_text(SAVED)
    # Nothing still on its way, and no save refused as a conflict with oneself.
    page.wait_for_load_state("networkidle")
    for index in range(total):
        expect(cards.nth(index).locator("[data-state]")).to_have_text(SAVED)
    expect(page.locator("[data-state].conflict, [data-state].error")).to_have_count(0)
    expect(page.locator("[data-progress]")).to_have_text(str(total))
    page.locator("a[data-next-unanswered]").first.click()
    expect(page.locator("[data-next-unanswered]").first).to_have_text("必答项已全部作答。")
    assert_no_horizontal_scroll(page)
    shot("04-answered")

    # Fail an item that needs a photo when failed, and add one from the gallery.
    failed = cards.filter(has=page.locator(".photo-note", has_text="不合格时须拍照")).first
    key = failed.get_attribute("id")
    failed.locator("button[name=value][value=fail]").click()
    expect(failed).to_have_attribute("data-outcome", "fail")
    expect(failed.locator("[data-state]")).to_have_text(SAVED)
    expect(failed.locator("input[name=location]")).to_be_visible()
    failed.locator("form[data-photo-form] input[type=file]:not([capture])").set_input_files(
        photo_file(tmp_path)
    )
    expect(failed.locator("[data-photos] img")).to_have_count(1)
    expect(failed.locator("[data-photos] img")).to_have_js_property("complete", True)
    failed.scroll_into_view_if_needed()
    assert_no_horizontal_scroll(page)
    shot("05-failed-with-photo")
    expect(page.locator("[data-state].saved")).to_have_count(total)

    # The finish page: nothing missing, one hazard to register.
    with page.expect_navigation():
        page.click("a.button.big:has-text('前往完成检查')")
    assert page.url == finish_url
    assert page.locator(".missing").count() == 0, page.inner_text("main")
    assert failed_code(inspection, key) in page.inner_text("main")
    assert_no_horizontal_scroll(page)
    shot("06-finish")

    with page.expect_navigation():
        page.click("button:has-text('我确认检查记录')")
    expect(page.locator(".badge.ok")).to_have_count(1)
    shot("07-confirmed")

    # The facility's representative signs on the inspector's phone.
    page.fill("#id_signer_name", "刘建华")
    pad = page.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(
            box["x"] + box["width"] * (0.1 + 0.065 * step),
            box["y"] + box["height"] * (0.7 - 0.4 * (step % 2)),
            steps=3,
        )
    page.mouse.up()
    assert page.evaluate(
        "Array.from(document.querySelector('canvas[data-signature-pad]').getContext('2d')"
        ".getImageData(0, 0, 600, 200).data).some((value) => value !== 0)"
    ), "the drawing did not reach the signature pad"
    page.fill("#id_typed", "刘建华")
    shot("08-signing")
    with page.expect_navigation():
        page.click("form[data-sign-form] button[type=submit]")
    expect(page.locator("img.signature")).to_be_visible()
    assert "刘建华" in page.inner_text("main")
    assert_no_horizontal_scroll(page)
    shot("09-signed")

    # The second inspector confirms on their own phone.
    other = phone_page(browser)
    try:
        log_in(other, base, "demo-inspector2", DEMO_PASSWORD)
        other.goto(finish_url)
        assert_no_horizontal_scroll(other)
        with other.expect_navigation():
            other.click("button:has-text('我确认检查记录')")
        expect(other.locator(".badge.ok")).to_have_count(2)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        test_name = re.sub(r"[^\w-]+", "_", request.node.name)
        other.screenshot(
            path=ARTIFACTS / f"{test_name}-10-second-inspector-confirmed.png", full_page=True
        )
    finally:
        other.context.close()

    # Back on the first phone: the conclusion is shown, confirmed, and finished with.
    page.reload()
    expect(page.locator(".badge.ok")).to_have_count(2)
    preview = page.locator(f"[data-hazard-preview='{failed_code(inspection, key)}'] [data-due]")
    due = preview.get_attribute("data-due")
    result = page.inner_text("[data-conclusion-result]")
    confirm = page.locator("input[name=conclusion_confirmed]")
    # Not ticked yet: the browser does not send the form (the server refuses it too).
    assert confirm.evaluate("box => box.form.checkValidity()") is False
    confirm.check()
    with page.expect_navigation():
        page.click("button.danger:has-text('完成检查')")
    assert page.url == f"{base}{inspection.get_absolute_url()}"
    assert_no_horizontal_scroll(page)
    shot("11-finished")

    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.FINISHED
    assert inspection.result
    assert inspection.finished_at is not None
    hazards = list(inspection.hazards.all())
    assert len(hazards) == 1
    hazard = hazards[0]
    assert f"i{hazard.item_id}" == key
    assert hazard.due_on.isoformat() == due
    assert inspection.get_result_display() == result
    assert hazard.register_no in page.inner_text("main")
    assert Photo.objects.filter(answer=hazard.answer, purpose=Photo.Purpose.EVIDENCE).count() == 1
    answers = inspection.answers.exclude(item=None).select_related("item")
    assert answers.count() == total
    assert inspection.answers.filter(item=None).count() == 0  # re-checks left alone
    # Each answer saved once (the number too: typing it and tapping Save is one
    # save), the failed item once more.
    assert sorted((a.item.code, a.value, a.revision) for a in answers) == sorted(
        (a.item.code, "fail", 2)
        if a.pk == hazard.answer_id
        else (a.item.code, "85" if a.item.code == "SVC-21" else "pass", 1)
        for a in answers
    )
    team = list(inspection.team.filter(active=True).select_related("inspector__user"))
    assert {m.inspector.user.username for m in team} == {"demo-inspector", "demo-inspector2"}
    assert all(m.confirmed_at for m in team)
    assert inspection.signer_name == "刘建华"
    assert inspection.signature_text == "刘建华"
    assert inspection.signature_image.startswith("data:image/png;base64,")
    assert inspection.signed_at is not None


def test_an_unannounced_inspection_is_invisible_to_the_manager_until_it_starts(
    demo, live_server, page, shot
):
    inspection = demo
    base = live_server.url
    detail_url = f"{base}{inspection.get_absolute_url()}"
    manager = User.objects.get(username="demo-manager")
    assert inspection.facility.managers.filter(pk=manager.pk).exists()
    assert inspection.unannounced

    log_in(page, base, "demo-manager", DEMO_PASSWORD)
    assert link_to(page, inspection).count() == 0  # the home page
    page.goto(f"{base}/inspections/inspections/")
    # The facility's other inspections are listed: the list is not just empty.
    assert page.locator('main a[href^="/inspections/inspections/"]').count() >= 2
    assert link_to(page, inspection).count() == 0
    assert_no_horizontal_scroll(page)
    shot("01-list-before")
    for url in (
        detail_url,
        f"{detail_url}checklist/",
        f"{detail_url}finish/",
    ):
        response = page.goto(url)
        assert response.status == 404, url
        assert page.inner_text("h1") == "页面不存在"
    page.goto(detail_url)
    shot("02-detail-before")

    services.inspection_start(inspection=inspection, by=User.objects.get(username="demo-inspector"))

    page.goto(f"{base}/inspections/inspections/")
    expect(link_to(page, inspection).first).to_be_visible()
    assert_no_horizontal_scroll(page)
    shot("03-list-after")
    with page.expect_navigation() as navigation:
        link_to(page, inspection).first.click()
    assert navigation.value.status == 200
    assert page.url == detail_url
    assert inspection.facility.name in page.inner_text("h1")
    assert_no_horizontal_scroll(page)
    shot("04-detail-after")
