"""The auditor's exception reports: the index, a report's page with its period, counts
and rows, the CSV and XLSX files, who may read them, and what they cost; and the list
of results published late or still unpublished past the 20-working-day limit."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from audit.exceptions import tables
from audit.exceptions.base import REPORTS
from audit.exceptions.publication import LatePublication
from inspections.onsite.models import Inspection
from inspections.publication import services as publication_services
from registry import services as registry_services
from tests.audit.conftest import csv_rows as streamed_csv_rows
from tests.conftest import add_facility

LOCAL = ZoneInfo(settings.TIME_ZONE)
INDEX = reverse("audit:exceptions")
LATE = "late-publication"


def local(*args):
    return datetime(*args, tzinfo=LOCAL)


def page_url(key):
    return reverse("audit:exception_report", args=[key])


def export_url(key, fmt):
    return reverse("audit:exception_export", args=[key, fmt])


def ended_inspection(facility, ended, kind=Inspection.Kind.CASE):
    """A finished inspection of ``facility`` that ended at ``ended`` (test setup)."""
    return Inspection.objects.create(
        facility=facility,
        kind=kind,
        window_start=ended.date(),
        window_end=ended.date(),
        status=Inspection.Status.FINISHED,
        started_at=ended,
        finished_at=ended,
    )


def result(facility, ended, lead, *, published=None):
    """A result of an inspection that ended at ``ended``, opened for review as the
    service does (its limit counted then), and published at ``published`` if given."""
    inspection = ended_inspection(facility, ended)
    publication = publication_services.publication_open(inspection=inspection, by=lead)
    if published is not None:
        with time_machine.travel(published):
            publication_services.publication_publish(publication=publication, by=lead)
    return publication


def findings(client, key, **params):
    response = client.get(page_url(key), params)
    assert response.status_code == 200
    return response.context["page"].paginator.object_list


def subjects(client, key, **params):
    return [row.subject for row in findings(client, key, **params)]


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # HttpResponse, not streamed: the conftest helper reads streaming content.
    response.streaming_content = [response.content]
    return streamed_csv_rows(response)


def xlsx_rows(response):
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# ---------------------------------------------------------------- results published late


@pytest.fixture
def calendar_2026(db):
    # The official 2026 schedule: 1–7 October off, Saturday 10 October a make-up working day.
    registry_services.calendar_load_from_package(years=[2026])


def test_a_result_published_on_the_twentieth_working_day_is_not_late_and_on_the_twenty_first_is(
    world, lead, auditor, as_user, calendar_2026
):
    ended = local(2026, 9, 25, 16)
    on_time = result(world["facility"], ended, lead, published=local(2026, 10, 29, 18))
    late = result(world["other_facility"], ended, lead, published=local(2026, 10, 30, 9))
    # The make-up Saturday counts: without it the 20th working day would be 30 October.
    assert on_time.due_on == late.due_on == date(2026, 10, 29)
    rows = findings(as_user(auditor), LATE)
    assert [row.subject for row in rows] == [world["other_facility"].name]
    (row,) = rows
    assert row.url == late.get_absolute_url()
    assert row.cells["late"] == 1
    assert row.cells["due_on"] == date(2026, 10, 29)
    assert row.cells["provisional"] is False


def test_a_result_unpublished_past_its_limit_is_listed_and_one_still_within_it_is_not(
    world, lead, auditor, as_user, calendar_2026
):
    # The suite's clock: 1 December 2026. Due 17 November: 10 working days ago.
    overdue = result(world["facility"], local(2026, 10, 20, 11), lead)
    result(world["other_facility"], local(2026, 11, 20, 11), lead)
    (row,) = findings(as_user(auditor), LATE)
    assert row.subject == world["facility"].name
    assert overdue.due_on == date(2026, 11, 17)
    assert str(row.cells["published_at"]) == "Not published"
    assert row.cells["late"] == 10


def test_a_result_published_late_after_a_withdrawal_stays_listed(world, lead, auditor, as_user):
    publication = result(
        world["facility"], local(2026, 3, 2, 10), lead, published=local(2026, 6, 1, 9)
    )
    publication_services.publication_withdraw(publication=publication, by=lead, reason="信息有误")
    (row,) = findings(as_user(auditor), LATE)
    assert row.cells["published_at"] == local(2026, 6, 1, 9)
    assert str(row.cells["status"]) == "Withdrawn"


# ---------------------------------------------------------------- the pages


@pytest.fixture
def overdue_results(world, lead):
    """Two results unpublished past their limit, of both facilities of the county."""
    return [
        result(world["facility"], local(2026, 3, 2, 10), lead),
        result(world["other_facility"], local(2026, 5, 11, 23, 30), lead),
    ]


def test_the_index_lists_every_report_with_its_rows_in_the_period(
    overdue_results, auditor, as_user
):
    response = as_user(auditor).get(INDEX)
    assert response.status_code == 200
    counts = {entry["report"].key: entry["count"] for entry in response.context["reports"]}
    assert set(counts) == set(REPORTS)
    assert counts[LATE] == 2
    html = response.content.decode()
    assert f"{page_url(LATE)}?date_from=2026-01-01&amp;date_to=2026-12-31" in html
    assert str(LatePublication.explanation) in html


def test_the_report_page_counts_per_region_and_local_month_and_links_each_row(
    world, overdue_results, auditor, as_user
):
    response = as_user(auditor).get(page_url(LATE))
    assert response.context["per_region"] == [("岳阳楼区", 2)]
    # 11 May 23:30 in Shanghai is 15:30 UTC: May either way; March 2 likewise.
    assert response.context["per_month"] == [("2026-03", 1), ("2026-05", 1)]
    html = response.content.decode()
    for publication in overdue_results:
        assert publication.get_absolute_url() in html
        assert (
            f"{reverse('audit:history')}?model=inspections.publication&amp;object_id={publication.pk}"
            in html
        )
    assert "2026-05-11 23:30" in html
    assert export_url(LATE, "csv") in html and export_url(LATE, "xlsx") in html


def test_the_period_is_read_in_local_dates(world, lead, auditor, as_user):
    # 23:30 on 31 December in Shanghai is still 2025; 00:30 on 1 January is 2026,
    # though it is 16:30 on 31 December in UTC.
    result(world["facility"], local(2025, 12, 31, 23, 30), lead)
    result(world["other_facility"], local(2026, 1, 1, 0, 30), lead)
    client = as_user(auditor)
    facility, other = world["facility"].name, world["other_facility"].name
    assert subjects(client, LATE) == [other]
    assert subjects(client, LATE, date_from="2025-01-01", date_to="2025-12-31") == [facility]
    assert subjects(client, LATE, date_from="2025-12-31", date_to="2025-12-31") == [facility]
    assert subjects(client, LATE, date_from="2026-01-01", date_to="") == [other]
    assert subjects(client, LATE, date_from="", date_to="") == [other, facility]


def test_the_default_period_is_the_current_local_year(world, auditor, as_user):
    # 00:30 on 1 January 2027 in Shanghai, still 2026 in UTC.
    with time_machine.travel(local(2027, 1, 1, 0, 30)):
        response = as_user(auditor).get(page_url(LATE), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.context["form"].cleaned_data == {
        "date_from": date(2027, 1, 1),
        "date_to": date(2027, 12, 31),
    }
    # As the date inputs need it, whatever the language.
    assert 'name="date_from" value="2027-01-01"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-02-30"},
        {"date_from": "yesterday"},
        {"date_from": "9" * 2000},
        {"date_to": "0001-01-01"},
        {"date_from": "2026-05-01", "date_to": "2026-04-01"},
    ],
)
def test_bad_dates_are_explained_not_a_crash(world, auditor, as_user, params):
    client = as_user(auditor)
    for url, message in (
        (INDEX, "Correct the dates above to see the reports."),
        (page_url(LATE), "Correct the dates above to see the report."),
        (export_url(LATE, "csv"), "Correct the dates above to see the report."),
        (export_url(LATE, "xlsx"), "Correct the dates above to see the report."),
    ):
        response = client.get(url, params)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_the_end_date_before_the_start_date_is_named(world, auditor, as_user):
    response = as_user(auditor).get(
        page_url(LATE), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert "The end date is before the start date." in response.content.decode()


def test_rows_are_paginated(world, lead, auditor, as_user, monkeypatch):
    monkeypatch.setattr("audit.views_exceptions.PAGE_SIZE", 1)
    overdue = [
        result(world["facility"], local(2026, 3, 2, 10), lead),
        result(world["other_facility"], local(2026, 4, 1, 10), lead),
    ]
    client = as_user(auditor)
    first = client.get(page_url(LATE)).context["page"]
    second = client.get(page_url(LATE), {"page": 2}).context["page"]
    assert [row.url for row in first] == [overdue[1].get_absolute_url()]
    assert [row.url for row in second] == [overdue[0].get_absolute_url()]
    assert first.paginator.count == 2


def test_unknown_reports_and_formats_are_not_found(world, auditor, as_user):
    client = as_user(auditor)
    assert client.get(page_url("no-such-report")).status_code == 404
    assert client.get(export_url("no-such-report", "csv")).status_code == 404
    assert client.get(export_url(LATE, "pdf")).status_code == 404


# ---------------------------------------------------------------- too many rows


def test_past_the_cap_the_page_says_so_and_the_export_is_refused(
    overdue_results, auditor, as_user, monkeypatch
):
    monkeypatch.setattr(tables, "ROW_CAP", 1)
    client = as_user(auditor)
    response = client.get(page_url(LATE))
    assert response.context["capped"] is True
    assert len(response.context["page"].paginator.object_list) == 1
    html = response.content.decode()
    assert "More than 1 rows: only the first 1 are counted and listed." in html
    assert "Narrow the period to see them all." in html
    assert export_url(LATE, "csv") not in html
    index = client.get(INDEX)
    assert {e["report"].key: e["capped"] for e in index.context["reports"]}[LATE] is True
    for fmt in ("csv", "xlsx"):
        refused = client.get(export_url(LATE, fmt))
        assert refused.status_code == 400
        assert "This period has too many rows to export: narrow it." in refused.content.decode()


# ---------------------------------------------------------------- the files


@pytest.fixture
def formula_result(world, lead):
    """A late result of a facility whose name a spreadsheet would run as a formula,
    published at 23:30 local time (15:30 UTC)."""
    facility = add_facility(world["county"], 40, '=HYPERLINK("http://evil.example","点我")')
    return result(facility, local(2026, 3, 2, 10), lead, published=local(2026, 6, 1, 23, 30))


def chinese_header():
    with translation.override("zh-hans"):
        return [
            str(LatePublication.subject_label),
            "行政区域",
            *(str(label) for _key, label in LatePublication.columns),
        ]


def test_the_csv_has_chinese_headers_local_times_and_defused_formulas(
    formula_result, auditor, as_user
):
    response = as_user(auditor).get(export_url(LATE, "csv"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'filename="late-publication-20260101-20261231.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == chinese_header()
    assert header[:2] == ["机构", "行政区域"]
    assert "发布期限" in header and "状态" in header
    (row,) = rows
    assert row[0] == '\'=HYPERLINK("http://evil.example","点我")'
    assert row[1] == "岳阳楼区"
    assert "2026-03-02 10:00" in row  # ended
    assert "2026-06-01 23:30" in row  # first published, in local time
    assert "是" in row  # the limit is provisional: no 2026 calendar was loaded
    assert "已发布" in row


def test_the_xlsx_has_chinese_headers_local_times_numbers_and_defused_formulas(
    formula_result, auditor, as_user
):
    response = as_user(auditor).get(export_url(LATE, "xlsx"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    header, *rows = xlsx_rows(response)
    assert header == chinese_header()
    (row,) = rows
    assert row[0] == '\'=HYPERLINK("http://evil.example","点我")'
    assert "2026-06-01 23:30" in row
    assert isinstance(row[-1], int) and row[-1] > 0  # working days late, a number


# ---------------------------------------------------------------- who may read them


def test_an_auditor_of_another_county_sees_none_of_the_county_s_rows(
    world, overdue_results, other_auditor, other_lead, as_user
):
    far = result(world["far_facility"], local(2026, 3, 2, 10), other_lead)
    client = as_user(other_auditor)
    assert [row.url for row in findings(client, LATE)] == [far.get_absolute_url()]
    counts = {e["report"].key: e["count"] for e in client.get(INDEX).context["reports"]}
    assert counts[LATE] == 1
    _header, *rows = csv_rows(client.get(export_url(LATE, "csv")))
    assert [row[0] for row in rows] == [world["far_facility"].name]
    assert world["facility"].name not in client.get(page_url(LATE)).content.decode()


@pytest.mark.parametrize("persona", ["lead", "inspector", "manager"])
def test_other_roles_are_refused(request, world, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in (INDEX, page_url(LATE), export_url(LATE, "csv"), export_url(LATE, "xlsx")):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(world, anonymous):
    for url in (INDEX, page_url(LATE), export_url(LATE, "csv")):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_pages_answer_no_post(world, auditor, as_user):
    client = as_user(auditor)
    for url in (INDEX, page_url(LATE), export_url(LATE, "csv")):
        assert client.post(url).status_code == 405


def test_auditors_find_the_reports_in_the_navigation(world, auditor, lead, as_user):
    assert f'href="{INDEX}"' in as_user(auditor).get(reverse("audit:history")).content.decode()
    assert f'href="{INDEX}"' not in as_user(lead).get(reverse("home")).content.decode()


# ---------------------------------------------------------------- what they cost


def test_the_pages_cost_a_fixed_number_of_queries(
    world, lead, inspector, auditor, as_user, django_assert_max_num_queries
):
    from tests.audit.test_exceptions_hazards import closed_by_registrar

    client = as_user(auditor)
    mine = [LATE, "late-verification", "extensions-granted", "closed-by-finder"]
    mine.append("major-closed-on-photos")

    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    result(world["facility"], local(2026, 3, 2, 10), lead)
    closed_by_registrar(world["facility"], inspector, lead, n=1)
    few = {url: cost(url) for url in [INDEX, *map(page_url, mine)]}
    for day in range(1, 30):
        result(world["other_facility"], local(2026, 4, day, 10), lead)
    closed_by_registrar(world["other_facility"], inspector, lead, n=29)
    for url, queries in few.items():
        with django_assert_max_num_queries(40 if url == INDEX else 15):
            response = client.get(url)
        if url in (page_url(LATE), page_url("closed-by-finder")):
            assert response.context["count"] == 30
        assert cost(url) == queries, url
