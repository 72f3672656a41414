"""List pages as tables (cards on a phone by CSS), with chips that say in words and
colour what is overdue, due soon or done; the chips cost no query per row."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections.hazards.models import Hazard

from .conftest import make_hazard

HAZARDS = "/inspections/hazards/"


def cell(html, register_no, label):
    """The cell of the hazard ``register_no``'s row under the column ``label``."""
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if register_no in r)
    return re.search(rf'<td data-label="{label}">(.*?)</td>', row, re.S).group(1)


def test_the_register_is_a_table_with_red_amber_and_green_chips(world, lead, as_user):
    # The suite's today is Tuesday 1 December 2026.
    late = make_hazard(world["facility"], lead, status="overdue", due_on=date(2026, 11, 26))
    soon = make_hazard(world["facility"], lead, due_on=date(2026, 12, 3))
    later = make_hazard(world["facility"], lead, due_on=date(2026, 12, 14))
    closed = make_hazard(world["facility"], lead, status="closed", due_on=date(2026, 11, 20))
    html = as_user(lead).get(HAZARDS).content.decode()
    assert '<table class="table rows">' in html and "<thead>" in html

    assert '<span class="chip overdue" data-status="overdue">已逾期</span>' in cell(
        html, late.register_no, "状态"
    )
    # Thursday 26 November: Friday, Monday and today past it.
    assert re.search(
        r'class="chip overdue"[^>]*>已逾期 3 个工作日<', cell(html, late.register_no, "整改期限")
    )
    assert re.search(
        r'class="chip soon"[^>]*>还剩 2 个工作日<', cell(html, soon.register_no, "整改期限")
    )
    assert re.search(
        r'class="chip"[^>]*>还剩 9 个工作日<', cell(html, later.register_no, "整改期限")
    )
    assert 'class="chip done"' in cell(html, closed.register_no, "状态")
    assert "data-due" not in cell(html, closed.register_no, "整改期限")  # no countdown once closed


def register_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HAZARDS).status_code == 200
    return len(queries)


def test_the_chips_cost_no_query_per_row(world, lead, as_user):
    client = as_user(lead)
    due = timezone.localdate()
    for n in range(5):
        make_hazard(world["facility"], lead, due_on=due + timedelta(days=n - 2))
    five = register_queries(client)
    for n in range(45):
        make_hazard(world["facility"], lead, due_on=due + timedelta(days=n % 40 - 20))
    assert Hazard.objects.count() == 50
    assert register_queries(client) == five


def test_a_result_nearing_the_limit_is_amber_with_its_days_left(finished, lead, as_user):
    publication = finished.publication
    publication.due_on = date(2026, 12, 7)  # Monday: Wednesday to Monday, 4 working days
    publication.save()
    html = as_user(lead).get("/inspections/results/").content.decode()
    assert '<table class="table rows">' in html
    assert re.search(r'class="chip soon"[^>]*>还剩 4 个工作日<', html)


@pytest.mark.parametrize(
    "url",
    [
        "/inspections/plans/",
        "/inspections/inspections/",
        "/registry/facilities/",
        "/audit/history/",
    ],
)
def test_the_main_lists_are_tables_with_a_label_on_each_cell(url, drawn, lead, auditor, as_user):
    user = auditor if url.startswith("/audit/") else lead
    response = as_user(user).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<table class="table rows' in html
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr[ >].*?</tr>", body, re.S)
    assert rows
    for row in rows:
        cells = re.findall(r"<td[ >]", row)
        # The first cell (the row's name) stands alone; the others say their column.
        assert len(re.findall(r'<td data-label="[^"]+"', row)) >= len(cells) - 2
