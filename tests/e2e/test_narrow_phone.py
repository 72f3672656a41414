"""The inspector's screens at 360 px, the narrowest phone the issue names: nothing
scrolls sideways, and the big answer buttons stay in reach."""

from inspections.onsite.models import Inspection
from registry.demo import DEMO_PASSWORD
from tests import demo_county
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in


def test_the_inspectors_screens_fit_a_360_px_phone(
    transactional_db, live_server, page, shot, request
):
    demo_county.load(request)
    page.set_viewport_size({"width": 360, "height": 740})
    on_site = Inspection.objects.get(status="in_progress", kind="case")
    finished = Inspection.objects.filter(status="finished", kind="case").first()
    log_in(page, live_server.url, "demo-inspector", DEMO_PASSWORD)
    for name, path in [
        ("list", "/inspections/inspections/"),
        ("detail", f"/inspections/inspections/{on_site.pk}/"),
        ("checklist", f"/inspections/inspections/{on_site.pk}/checklist/"),
        ("finish", f"/inspections/inspections/{on_site.pk}/finish/"),
        ("finished", f"/inspections/inspections/{finished.pk}/checklist/"),
    ]:
        assert page.goto(live_server.url + path).status == 200
        assert_no_horizontal_scroll(page)
        shot(f"360-{name}")
    page.goto(f"{live_server.url}/inspections/inspections/{on_site.pk}/checklist/")
    button = page.locator("button.answer.pass").first
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 80  # a thumb-sized target
