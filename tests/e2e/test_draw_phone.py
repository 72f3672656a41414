"""A bureau lead freezes and runs a draw on a phone; a citizen reads it on the public site."""

from inspections.planning.models import Draw
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in


def test_a_lead_draws_on_a_phone_and_the_public_can_read_it(
    transactional_db, live_server, page, shot, lead, plan
):
    log_in(page, live_server.url, lead.username, PASSWORD)
    page.goto(f"{live_server.url}/inspections/plans/{plan.pk}/")
    assert_no_horizontal_scroll(page)
    with page.expect_navigation():
        page.click("text=冻结抽取…")
    assert_no_horizontal_scroll(page)
    shot("1-freeze")
    with page.expect_navigation():
        page.click("button:has-text('冻结并公开承诺值')")
    draw = Draw.objects.get(plan=plan)
    assert draw.commitment in page.inner_text("main")

    page.fill("#id_public_entropy", "03 07 12 19 25 31 + 09")
    page.fill("#id_source", "中国福利彩票双色球 第2026135期")
    page.check("#id_confirm")
    assert_no_horizontal_scroll(page)
    shot("2-run")
    with page.expect_navigation():
        page.click("button:has-text('立即抽取')")
    draw.refresh_from_db()
    assert draw.status == Draw.Status.VALID
    assert "抽中机构与检查组" in page.inner_text("main")
    assert_no_horizontal_scroll(page)
    shot("3-drawn")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/public/plans/{plan.pk}/")
    text = page.inner_text("main")
    assert draw.commitment in text and draw.inspections.first().facility.name in text
    page.click("text=如何验证此次抽取")
    assert "verify_draw.py" in page.inner_text("main")
    assert_no_horizontal_scroll(page)
    shot("4-public")
