"""一公开 on phones: the bureau lead reviews the demo's waiting result and publishes it;
an anonymous visitor finds it on the public site by the facility's name and downloads
its PDF."""

import pytest
from playwright.sync_api import expect

from inspections.publication.models import Publication
from registry.demo import DEMO_PASSWORD
from registry.models import Facility
from tests import demo_county
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_scroll
from tests.e2e.test_inspection_phone import phone_page
from tests.e2e.test_login_phone import log_in

FOLLOW_UP = "责令限期整改，到期后复查。"


@pytest.fixture
def home(transactional_db, live_server, request):
    demo_county.load(request)
    return Facility.objects.get(managers__username="demo-manager")


def test_a_lead_publishes_and_a_visitor_finds_it_and_downloads_the_pdf(
    home, live_server, page, browser, shot
):
    base = live_server.url
    publication = Publication.objects.get(inspection__facility=home, status="pending")
    log_in(page, base, "demo-lead", DEMO_PASSWORD)
    page.goto(f"{base}/inspections/results/")
    assert_no_horizontal_scroll(page)
    shot("1-results-to-review")
    with page.expect_navigation():
        page.locator(f'a[href="/inspections/results/{publication.pk}/"]').click()
    assert_no_horizontal_scroll(page)
    expect(page.locator(".public-preview")).to_contain_text(home.credit_code)
    form = page.locator('form[action$="/publish/"]')
    form.locator("select[name=category]").select_option("ordered")
    form.locator("textarea[name=follow_up]").fill(FOLLOW_UP)
    shot("2-review")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("已发布")
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED

    visitor = phone_page(browser)
    visitor.goto(f"{base}/public/")
    assert_no_horizontal_scroll(visitor)
    with visitor.expect_navigation():
        visitor.locator('a[href="/public/results/"]').first.click()
    visitor.fill("#facility", home.name)
    with visitor.expect_navigation():
        visitor.locator("form button[type=submit]").first.click()
    assert_no_horizontal_scroll(visitor)
    with visitor.expect_navigation():
        visitor.locator(f'a[href="/public/results/{publication.pk}/"]').first.click()
    expect(visitor.locator("main")).to_contain_text(FOLLOW_UP)
    assert_no_horizontal_scroll(visitor)
    visitor.screenshot(path=ARTIFACTS / "publication-public-result.png", full_page=True)
    with visitor.expect_download() as download:
        visitor.locator(f'a[href="/public/results/{publication.pk}.pdf"]').click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
