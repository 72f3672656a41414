"""Times as people read them (issue 14, finding 13): stored in UTC, read in the
configured zone (Asia/Shanghai) on pages and in exports, dates of times are local
dates; machine formats carry ISO 8601 with the offset."""

import csv
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.timefmt import for_people, iso, local_date
from inspections.hazards import services
from inspections.hazards.models import Hazard
from inspections.planning import selectors
from inspections.planning.forms import PlanForm
from registry.models import Region
from reports import exports
from tests.inspections.conftest import make_hazard

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
# 23:30 in Shanghai on 30 November, and 00:30 in Shanghai on 1 December (16:30 UTC
# on 30 November): in UTC both are closed on the 30th.
LATE_EVENING = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


@pytest.fixture
def closed(world, lead):
    def close(at):
        return make_hazard(
            world["facility"],
            lead,
            status="closed",
            found_on=date(2026, 11, 30),
            closed_at=at,
            closed_by=lead,
        )

    return {"evening": close(LATE_EVENING), "midnight": close(AFTER_MIDNIGHT)}


def closed_on(rows, hazard):
    return next(row["closed_on"] for row in rows if row["register_no"] == hazard.register_no)


def test_the_export_gives_the_local_date_a_hazard_was_closed(closed):
    rows = json.loads(exports.render(exports.filtered(Hazard.objects.all()), "json"))

    assert closed_on(rows, closed["evening"]) == "2026-11-30"
    # Found on 30 November, closed on 1 December at 00:30: never closed before found.
    assert closed_on(rows, closed["midnight"]) == "2026-12-01"


def test_csv_and_xlsx_exports_give_local_dates(closed):
    hazards = exports.filtered(Hazard.objects.all())
    text = exports.render(hazards, "csv").decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    sheet = load_workbook(io.BytesIO(exports.render(hazards, "xlsx"))).active
    header, *lines = sheet.iter_rows(values_only=True)
    xlsx_rows = [dict(zip(header, line, strict=True)) for line in lines]

    for rows in (csv_rows, xlsx_rows):
        assert closed_on(rows, closed["evening"]) == "2026-11-30"
        assert closed_on(rows, closed["midnight"]) == "2026-12-01"


def test_the_export_command_and_the_web_export_give_local_dates(closed, lead, as_user, tmp_path):
    output = tmp_path / "hazards.json"
    call_command("export_hazards", "--format", "json", "--output", str(output))
    web = as_user(lead).get(reverse("reports_staff:hazard_export") + "?format=json&status=")

    for rows in (json.loads(output.read_bytes()), json.loads(b"".join(web.streaming_content))):
        assert closed_on(rows, closed["midnight"]) == "2026-12-01"


def test_the_hazard_page_shows_the_local_time_it_was_closed(closed, lead, as_user):
    page = as_user(lead).get(reverse("inspections:hazard_detail", args=[closed["midnight"].pk]))

    assert "2026-12-01 00:30" in page.content.decode()


def test_times_for_people_and_for_machines():
    assert for_people(AFTER_MIDNIGHT) == "2026-12-01 00:30"
    assert iso(AFTER_MIDNIGHT) == "2026-12-01T00:30:00+08:00"
    assert local_date(AFTER_MIDNIGHT) == date(2026, 12, 1)
    assert (for_people(None), iso(None), local_date(None)) == ("", None, None)


def test_a_draw_record_gives_its_times_in_iso_8601_with_the_offset(drawn):
    record = selectors.draw_record(drawn)

    assert record["frozen_at"].endswith("+08:00")
    assert datetime.fromisoformat(record["frozen_at"]) == drawn.frozen_at.replace(microsecond=0)


def test_a_progress_note_is_named_by_its_local_date(finished, manager):
    major = finished.hazards.get(item_code="S-02")
    services.notice_acknowledge(notice=major.notice, by=manager)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        note = services.supervision_note_add(
            supervision=major.supervision, text="已完成防火门采购", by=manager
        )

    assert str(note).endswith(" 2026-12-01")


def test_a_new_plan_form_starts_from_the_local_date(world):
    regions = Region.objects.filter(pk=world["county"].pk)
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        form = PlanForm(regions=regions)

    # 1 December in Shanghai, two weeks on.
    assert form.initial["window_start"] == date(2026, 12, 15)


def test_the_calendar_opens_on_the_local_year(world, lead, as_user):
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 2027-01-01 00:30 in Shanghai
    with time_machine.travel(new_year, tick=False):
        page = as_user(lead).get(reverse("registry:calendar"))

    assert page.context["year"] == 2027
