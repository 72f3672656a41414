"""An inspector's phone without a network: answers and photos kept in the outbox
(IndexedDB) through a reload, a navigation and a browser restart, sent exactly once
when the connection is back; a photo upload cut halfway resumes where it stopped; the
day's checklist opens from the service worker's cache with no network at all.

The demo county (``seed_demo``) gives the inspection; it is started before the phone
opens it, as the first inspector would have done with a connection.
"""

import hashlib
import random
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from inspections.onsite import services
from inspections.onsite.models import Answer, Inspection, Photo, StoredResponse
from registry.demo import DEMO_PASSWORD
from registry.models import User
from tests import demo_county
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in

SAVED = re.compile(r"^已保存 · ")
PENDING = re.compile(r"^待上传")
PHOTO_REQUIRED = "不合格时须拍照"


@pytest.fixture
def started(transactional_db, live_server, request):
    """The demo county's case-triggered inspection, started on site by its inspector."""
    demo_county.load(request)
    inspection = Inspection.objects.get(
        kind=Inspection.Kind.CASE, status=Inspection.Status.SCHEDULED
    )
    return services.inspection_start(
        inspection=inspection, by=User.objects.get(username="demo-inspector")
    )


def urls(base, inspection):
    detail = f"{base}{inspection.get_absolute_url()}"
    return {
        "list": f"{base}/inspections/inspections/",
        "detail": detail,
        "checklist": f"{detail}checklist/",
        "outbox": f"{base}/outbox/",
    }


def photo(path, shade):
    """A JPEG as a phone keeps it; each a little different."""
    image = Image.new("RGB", (1600, 1200), (170, 150, shade))
    draw = ImageDraw.Draw(image)
    for x in range(0, 1600, 200):
        draw.rectangle([x, 700, x + 120, 1150], fill=(80, 70, shade // 2))
    image.save(path, "JPEG", quality=85)
    return path


def big_photo(path):
    """A 4 MB JPEG (noise does not compress), the same at every run."""
    width, height = 2400, 1800
    noise = random.Random(16).randbytes(width * height * 3)
    Image.frombytes("RGB", (width, height), noise).save(path, "JPEG", quality=92)
    return path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def stored_original(photo_row):
    with photo_row.original.open("rb") as original:
        return original.read()


def synced(page, base):
    """Open 检查 with a connection: the day's inspections are kept on the phone."""
    page.goto(f"{base}/inspections/inspections/")
    expect(page.locator("[data-offline-status]")).to_have_attribute(
        "data-offline-state", "msgList", timeout=30_000
    )
    # The worker that will answer for the pages when the network is gone.
    assert page.evaluate("async () => (await navigator.serviceWorker.ready).active.state") in (
        "activating",
        "activated",
    )


def pending_answers(page):
    return page.locator("[data-answer-form] [data-state].pending")


def test_a_checklist_done_offline_arrives_once_after_reload_navigation_and_restart(
    started, live_server, phone_profile, tmp_path
):
    inspection = started
    base = live_server.url
    pages = urls(base, inspection)
    context = phone_profile()
    page = context.pages[0]
    log_in(page, base, "demo-inspector", DEMO_PASSWORD)
    synced(page, base)
    assert "可离线使用：" in page.inner_text("[data-offline-status]")
    page.goto(pages["checklist"])
    expect(page.locator("[data-offline-status]")).to_have_attribute("data-offline-state", "msgPage")

    # The network goes: ten answers, two of them failures with a photo each.
    context.set_offline(True)
    cards = page.locator("article.item-card[data-entry][id^=i]")
    with_photo = cards.filter(has=page.locator(".photo-note", has_text=PHOTO_REQUIRED))
    failing = [with_photo.nth(0).get_attribute("id"), with_photo.nth(1).get_attribute("id")]
    passing = []
    for index in range(cards.count()):
        key = cards.nth(index).get_attribute("id")
        card = cards.nth(index)
        if key in failing or not card.locator("button[name=value][value=pass]").count():
            continue
        passing.append(key)
        if len(passing) == 8:
            break
    files = {}
    for key in passing + failing:
        card = page.locator(f"#{key}")
        value = "fail" if key in failing else "pass"
        card.locator(f"button[name=value][value={value}]").click()
        expect(card.locator("[data-state]")).to_have_text(PENDING)
        expect(card.locator(f"button[value={value}]")).to_have_attribute("aria-pressed", "true")
        if key in failing:
            expect(card).to_have_attribute("data-outcome", "fail")
            files[key] = photo(tmp_path / f"{key}.jpg", 100 + 40 * len(files))
            card.locator("form[data-photo-form] input[type=file]:not([capture])").set_input_files(
                files[key]
            )
            expect(card.locator(".thumb-box.pending img")).to_have_count(1)
            expect(card.locator(".thumb-box.pending .pending-mark")).to_have_text(PENDING)
    expect(pending_answers(page)).to_have_count(10)
    expect(page.locator("#outbox-badge [data-outbox-count]")).to_have_text("12")
    expect(page.locator("#outbox-badge")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert Answer.objects.filter(inspection=inspection).count() == 0

    def still_given(page):
        expect(pending_answers(page)).to_have_count(10)
        for key in failing:
            expect(page.locator(f"#{key} button[value=fail]")).to_have_attribute(
                "aria-pressed", "true"
            )
            expect(page.locator(f"#{key} .thumb-box.pending img")).to_have_count(1)
        for key in passing:
            expect(page.locator(f"#{key} button[value=pass]")).to_have_attribute(
                "aria-pressed", "true"
            )

    # Reload, go to the inspection and back, still offline: all shown as given.
    assert page.reload().from_service_worker
    expect(page.locator("[data-offline-status]")).to_have_attribute(
        "data-offline-state", "msgOffline"
    )
    still_given(page)
    page.goto(pages["detail"])
    assert inspection.facility.name in page.inner_text("h1")
    page.goto(pages["outbox"])
    expect(page.locator("[data-outbox-item]")).to_have_count(12)
    page.goto(pages["checklist"])
    still_given(page)

    # The browser is closed and started again, still without a network.
    context.close()
    context = phone_profile(offline=True)
    page = context.pages[0]
    page.goto(pages["checklist"])
    still_given(page)

    # The network is back: everything goes, once, and nothing waits any more.
    context.set_offline(False)
    expect(pending_answers(page)).to_have_count(0, timeout=60_000)
    expect(page.locator(".thumb-box.pending")).to_have_count(0, timeout=60_000)
    for key in passing + failing:
        expect(page.locator(f"#{key} [data-state]")).to_have_text(SAVED)
    expect(page.locator("#outbox-badge")).to_be_hidden()
    for key in failing:
        expect(page.locator(f"#{key} [data-photos] a.thumb img")).to_have_count(1)

    answers = {a.key: a for a in Answer.objects.filter(inspection=inspection)}
    assert sorted(answers) == sorted(passing + failing)
    assert all(a.revision == 1 for a in answers.values())
    assert {k for k, a in answers.items() if a.value == "fail"} == set(failing)
    photos = list(Photo.objects.filter(inspection=inspection))
    assert len(photos) == 2
    for key in failing:
        (row,) = [p for p in photos if p.answer_id == answers[key].pk]
        sent = files[key].read_bytes()
        assert row.sha256 == sha256(sent)
        assert sha256(stored_original(row)) == sha256(sent)

    page.goto(pages["outbox"])
    expect(page.locator("[data-outbox-list]")).to_contain_text("没有待上传的内容")


def test_a_photo_upload_cut_at_half_resumes_where_it_stopped(
    started, live_server, phone_profile, tmp_path
):
    inspection = started
    base = live_server.url
    context = phone_profile()
    page = context.pages[0]
    log_in(page, base, "demo-inspector", DEMO_PASSWORD)
    page.goto(urls(base, inspection)["checklist"])
    card = (
        page.locator("article.item-card[data-entry][id^=i]")
        .filter(has=page.locator(".photo-note", has_text=PHOTO_REQUIRED))
        .first
    )
    card.locator("button[name=value][value=fail]").click()
    expect(card.locator("[data-state]")).to_have_text(SAVED)

    # Every byte of every chunk the phone sends, as the Content-Range it declares.
    sent, cut = [], []

    def chunk(request):
        return request.method == "PUT" and "/inspections/uploads/" in request.url

    page.on("request", lambda r: sent.append(r.headers["content-range"]) if chunk(r) else None)
    page.on("requestfailed", lambda r: cut.append(r.headers["content-range"]) if chunk(r) else None)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    rate = 750 * 1000 // 8  # 750 kbit/s in bytes per second
    slow = {"offline": False, "latency": 150, "downloadThroughput": rate, "uploadThroughput": rate}
    cdp.send("Network.emulateNetworkConditions", slow)

    original = big_photo(tmp_path / "kitchen.jpg")
    size = original.stat().st_size
    assert size > 4_000_000
    card.locator("form[data-photo-form] input[type=file]:not([capture])").set_input_files(original)
    progress = card.locator(".thumb-box.pending progress")
    expect(progress).to_have_count(1)
    page.wait_for_function(
        "(bar) => bar.value >= bar.max / 2", arg=progress.element_handle(), timeout=90_000
    )
    half = int(progress.get_attribute("value") or progress.evaluate("bar => bar.value"))

    # The network goes at about half, and comes back.
    cdp.send("Network.emulateNetworkConditions", {**slow, "offline": True})
    expect(card.locator(".thumb-box.pending .pending-mark")).to_contain_text(
        "没有网络连接", timeout=30_000
    )
    stopped_at = progress.evaluate("bar => bar.value")
    assert stopped_at >= half
    cdp.send("Network.emulateNetworkConditions", slow)

    expect(card.locator(".thumb-box.pending")).to_have_count(0, timeout=120_000)
    expect(card.locator("[data-photos] a.thumb img")).to_have_count(1)

    def length(content_range):
        start, end = re.match(r"bytes (\d+)-(\d+)/", content_range).groups()
        return int(end) - int(start) + 1

    assert cut, "no chunk was cut: the network went between two uploads"
    print(f"{len(sent)} chunks, {len(cut)} cut, {sum(length(r) for r in sent)} of {size} bytes")
    assert sum(length(r) for r in sent) < 1.3 * size
    # Resumed, not started again: no chunk after the cut starts at 0.
    assert [r for r in sent if r.startswith("bytes 0-")] == [sent[0]]
    (row,) = Photo.objects.filter(inspection=inspection)
    assert row.sha256 == sha256(original.read_bytes())
    assert sha256(stored_original(row)) == row.sha256


def test_the_checklist_opens_from_the_phone_with_no_network_after_a_sync(
    started, live_server, page
):
    inspection = started
    base = live_server.url
    log_in(page, base, "demo-inspector", DEMO_PASSWORD)
    synced(page, base)

    page.context.set_offline(True)
    response = page.goto(urls(base, inspection)["checklist"])
    assert response.from_service_worker
    expect(page.locator("article.item-card[data-entry]")).to_have_count(24)
    expect(page.locator("h1")).to_have_text("检查表")
    expect(page.locator("[data-offline-status]")).to_have_attribute(
        "data-offline-state", "msgOffline"
    )
    assert "没有网络连接：显示的是" in page.inner_text("[data-offline-status]")
    # The page's scripts and styles came from the cache too.
    assert page.evaluate("typeof window.Outbox") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).position") == (
        "sticky"
    )

    # Logging out takes the kept pages off the phone.
    page.context.set_offline(False)
    page.goto(f"{base}/")
    page.click("details.menu summary")
    with page.expect_navigation():
        page.click("form[data-logout] button")
    kept = "async () => (await (await caches.open('eldercare-pages-v1')).keys()).length"
    assert page.evaluate(kept) == 0


@pytest.fixture
def scheduled(transactional_db, live_server, request):
    """The demo county's case-triggered inspection, waiting for its team to start."""
    demo_county.load(request)
    return Inspection.objects.get(kind=Inspection.Kind.CASE, status=Inspection.Status.SCHEDULED)


def test_a_start_taken_offline_waits_for_the_server_and_a_stale_answer_shows_both(
    scheduled, live_server, page, shot
):
    inspection = scheduled
    base = live_server.url
    pages = urls(base, inspection)
    log_in(page, base, "demo-inspector", DEMO_PASSWORD)
    synced(page, base)

    # Start on site without a network: recorded on the phone, not done.
    page.context.set_offline(True)
    page.goto(f"{pages['detail']}start/")
    page.click("button:has-text('立即开始')")
    note = page.locator("[data-outbox-note]")
    expect(note).to_contain_text("已记录在本机，等待发送：服务器接受后才生效。")
    expect(page.locator("button:has-text('立即开始')")).to_be_disabled()
    shot("1-start-waiting")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.SCHEDULED

    # The checklist opens from the phone and takes answers behind the waiting start.
    with page.expect_navigation():
        note.locator("a:has-text('打开检查表')").click()
    assert page.url == pages["checklist"]
    expect(page.locator("[data-start-note]")).to_have_text(
        "开始现场检查：已记录在本机，等待发送：服务器接受后才生效。"
    )
    first = (
        page.locator("article.item-card[data-entry][id^=i]")
        .filter(has=page.locator("button[name=value][value=pass]"))
        .first
    )
    first.locator("button[name=value][value=pass]").click()
    expect(first.locator("[data-state]")).to_have_text(PENDING)

    # The network is back: the server accepts the start, with the phone's time, then
    # the answer.
    page.context.set_offline(False)
    expect(first.locator("[data-state]")).to_have_text(SAVED, timeout=30_000)
    expect(page.locator("[data-start-note]")).to_have_count(0)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS
    assert inspection.start_captured_at <= inspection.started_at
    assert inspection.answers.get().key == first.get_attribute("id")
    page.reload()

    # An answer given offline while the teammate saves another one for the same item.
    page.context.set_offline(True)
    card = (
        page.locator("article.item-card[data-entry][id^=i]")
        .filter(has=page.locator("button[name=value][value=pass]"))
        .nth(1)
    )
    key = card.get_attribute("id")
    card.locator("button[name=value][value=pass]").click()
    expect(card.locator("[data-state]")).to_have_text(PENDING)
    services.answer_save(
        inspection=inspection,
        key=key,
        value="fail",
        note="灭火器压力不足",
        base_revision=0,
        by=User.objects.get(username="demo-inspector2"),
    )
    page.context.set_offline(False)

    # Not overwritten: both answers shown, the inspector chooses.
    state = card.locator("[data-state].conflict")
    expect(state).to_contain_text("你的答案：合格", timeout=30_000)
    expect(state).to_contain_text("对方的答案：不合格（灭火器压力不足）")
    # The page shows what the server holds until the inspector chooses.
    expect(card.locator("button[value=fail]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#outbox-badge.attention")).to_be_visible()
    assert_no_horizontal_scroll(page)
    card.scroll_into_view_if_needed()
    shot("2-conflict")
    answer = Answer.objects.get(inspection=inspection, item_id=int(key[1:]))
    assert (answer.value, answer.revision) == ("fail", 1)

    card.locator("button:has-text('保留我的答案')").click()
    expect(card.locator("[data-state]")).to_have_text(SAVED)
    expect(card.locator("button[value=pass]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#outbox-badge")).to_be_hidden()
    answer.refresh_from_db()
    assert (answer.value, answer.revision) == ("pass", 2)

    # A refusal is shown in words and stays in the outbox until the inspector acts.
    other = (
        page.locator("article.item-card[data-entry][id^=i]")
        .filter(has=page.locator("input[name=deadline_days]"))
        .nth(1)
    )
    other.locator("button[name=value][value=fail]").click()
    expect(other.locator("[data-state]")).to_have_text(SAVED)
    other.locator("input[name=deadline_days]").fill("999")
    other.locator("input[name=deadline_days]").press("Tab")
    refusal = other.locator("[data-state].error")
    expect(refusal).to_contain_text("服务器未接受：")
    reason = refusal.inner_text().removeprefix("服务器未接受：").strip()
    assert reason
    expect(page.locator("#outbox-badge [data-outbox-count]")).to_have_text("1")
    page.click("#outbox-badge")
    item = page.locator("[data-outbox-item=refused]")
    expect(item).to_contain_text(reason)
    assert_no_horizontal_scroll(page)
    shot("3-outbox-refused")
    # Tried again, it reaches the server under a new id and is refused again in words.
    tries = StoredResponse.objects.filter(status=400).count()
    item.locator("button:has-text('重试')").click()
    for _wait in range(60):
        if StoredResponse.objects.filter(status=400).count() > tries:
            break
        page.wait_for_timeout(500)
    assert StoredResponse.objects.filter(status=400).count() == tries + 1
    item = page.locator("[data-outbox-item=refused]")
    expect(item.locator("[data-outbox-state]")).to_contain_text(reason)
    page.once("dialog", lambda dialog: dialog.accept())
    item.locator("button:has-text('放弃此项')").click()
    expect(page.locator("[data-outbox-list]")).to_contain_text("没有待上传的内容")
    expect(page.locator("#outbox-badge")).to_be_hidden()
