"""The facility manager keeps tonight's night patrol log on a phone: a round at a time
through the night (each save kept, whatever happens to the page after), a problem noted,
a round out of order refused, then the log marked complete."""

from playwright.sync_api import expect

from inspections.duties.models import Duty, DutyLog, DutyRule
from inspections.duties.schedule import duties_dispatch
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.test_login_phone import log_in


def add_round(page, at, *, ok=True, note=""):
    form = page.locator("form[data-log-form]")
    form.locator("input[name=time]").fill(at)
    if not ok:
        form.locator("input[name=ok]").uncheck()
    if note:
        form.locator("input[name=note]").fill(note)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_the_manager_keeps_the_night_patrol_log_on_a_phone(
    transactional_db, live_server, page, shot, world, manager
):
    rule = DutyRule.objects.create(
        region=world["county"], kind=DutyRule.Kind.NIGHT_PATROL, every=DutyRule.Every.DAY
    )
    duties_dispatch()
    duty = Duty.objects.get(rule=rule, facility=world["facility"])
    base = live_server.url

    log_in(page, base, manager.username, PASSWORD)
    with page.expect_navigation():
        page.locator("a[data-my-duties]").click()
    assert_no_horizontal_scroll(page)
    shot("1-my-duties")
    with page.expect_navigation():
        page.locator(f'main a[href="{duty.get_absolute_url()}"]').click()
    assert_no_horizontal_scroll(page)

    add_round(page, "22:00")
    add_round(page, "23:00", ok=False, note="3楼东侧防火门未关闭，已关上")
    # A phone that reloads the page (or loses it) keeps what was saved.
    page.reload()
    rows = page.locator("[data-rounds] tr[data-round]")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("防火门")
    shot("2-two-rounds")

    add_round(page, "21:30")  # earlier than the last round: refused, nothing lost
    expect(page.locator("form[data-log-form] .error")).to_contain_text("23:00")
    assert_no_horizontal_scroll(page)
    shot("3-out-of-order")

    add_round(page, "00:00")
    expect(page.locator("[data-rounds] tr[data-round]")).to_have_count(3)

    finish = page.locator("form[data-finish-form]")
    finish.locator("input[name=confirm]").check()
    with page.expect_navigation():
        finish.locator("button[type=submit]").click()
    expect(page.locator("form[data-log-form]")).to_have_count(0)
    assert_no_horizontal_scroll(page)
    shot("4-complete")

    duty.refresh_from_db()
    assert duty.status == Duty.Status.DONE
    times = [row["time"] for row in DutyLog.objects.get(duty=duty).entries]
    assert times == ["22:00", "23:00", "00:00"]
