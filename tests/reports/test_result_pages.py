# ruff: noqa: F811  (fixtures imported from the modules that define them)
"""The public results search at any depth, and the downloads that stream: the
search's "older"/"newer" links carry the last result seen, its total is counted only
up to a bound; the open data and the hazard export are written as they are read."""

import csv
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections.hazards.models import Hazard
from reports import exports
from reports import views as public_views
from reports.views import RESULT_COLUMNS
from tests.reports.test_hazard_export import hazards  # noqa: F401  (fixture)
from tests.reports.test_public_results import several, team, township  # noqa: F401

LIST = reverse("reports:result_list")


@pytest.fixture
def one_a_page(monkeypatch):
    monkeypatch.setattr(public_views, "RESULTS_PER_PAGE", 1)


def walk(client, params=None):
    seen, query = [], dict(params or {})
    while True:
        response = client.get(LIST, query)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [p.pk for p in page]
        if not page.has_next():
            return seen, response
        html = response.content.decode()
        [older] = re.findall(r'rel="next" href="\?([^"]+)"', html)
        assert older.endswith("before=" + page.next_cursor)
        query["before"] = page.next_cursor


def test_the_older_links_reach_every_result_once_newest_first(client, several, one_a_page):
    october, township_result, november = several
    seen, last = walk(client)
    assert seen == [november.pk, township_result.pk, october.pk]
    back = [p.pk for p in last.context["page"]]
    page = last.context["page"]
    while page.has_previous():
        page = client.get(LIST, {"after": page.previous_cursor}).context["page"]
        back += [p.pk for p in page]
    assert back == seen[::-1]


def test_the_links_keep_the_search(client, several, one_a_page):
    october, township_result, november = several
    seen, _last = walk(client, {"region": "430602", "date_to": "2026-10-31"})
    assert seen == [township_result.pk, october.pk]


def test_a_deep_page_costs_the_queries_of_the_first(
    client, several, one_a_page, django_assert_max_num_queries
):
    first_page = client.get(LIST).context["page"]
    deep = client.get(LIST, {"before": first_page.next_cursor}).context["page"]
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as first:
        client.get(LIST)
    first_count = len(first.captured_queries)
    connection.queries_log.clear()
    with django_assert_max_num_queries(first_count):
        response = client.get(LIST, {"before": deep.next_cursor})
    assert len(response.context["page"]) == 1


def test_the_total_is_counted_up_to_a_bound(client, several, monkeypatch):
    assert client.get(LIST).context["total"] == 3
    assert not client.get(LIST).context["more"]
    monkeypatch.setattr(public_views, "RESULTS_COUNTED", 2)
    response = client.get(LIST)
    assert response.context["more"] and response.context["total"] == 2
    assert len(response.context["page"]) == 3


@pytest.mark.parametrize(
    "params", [{"before": "yesterday_1"}, {"after": "2026-02-30_4"}, {"before": "2026-10-12"}]
)
def test_a_bad_cursor_is_refused_with_a_way_back(client, several, params):
    response = client.get(LIST, {"category": "ordered", **params})
    assert response.status_code == 400
    assert response.context["bad_cursor"]
    assert 'href="?category=ordered"' in response.content.decode()


# ---------------------------------------------------------------- open data


def test_the_open_data_streams_with_the_documented_columns(client, several):
    csv_response = client.get("/public/results.csv")
    json_response = client.get("/public/results.json")
    assert csv_response.streaming and json_response.streaming
    text = b"".join(csv_response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    assert header == RESULT_COLUMNS and header[-1] == "department_parts"
    data = json.loads(b"".join(json_response.streaming_content))
    assert [list(row) for row in data] == [RESULT_COLUMNS] * 3
    assert [row["publication_id"] for row in data] == [int(row[0]) for row in rows]
    assert [row["publication_id"] for row in data] == [p.pk for p in several[::-1]]


def test_the_open_data_reads_its_rows_in_batches(client, several, monkeypatch):
    sizes = []
    real = type(public_views.Publication.objects.all()).iterator

    def spy(queryset, chunk_size=None):
        sizes.append(chunk_size)
        return real(queryset, chunk_size=chunk_size)

    monkeypatch.setattr(type(public_views.Publication.objects.all()), "iterator", spy)
    b"".join(client.get("/public/results.json").streaming_content)
    assert sizes == [public_views.EXPORT_BATCH]


# ---------------------------------------------------------------- the hazard export


def old_render(hazards_qs, fmt):
    """The export as it was written before it streamed: a list of every row."""
    rows = [exports.row(h) for h in exports.hazards_to_export(hazards_qs)]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exports.COLUMNS)
    for r in rows:
        writer.writerow(["" if r[c] is None else exports.neutralise(r[c]) for c in exports.COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_hazard_export_writes_the_same_bytes_row_by_row(hazards, fmt, monkeypatch):
    everything = Hazard.objects.all()
    assert everything.count() == 3
    before = old_render(everything, fmt)
    monkeypatch.setattr(exports, "BATCH", 1)
    pieces = list(exports.chunks(everything, fmt))
    assert len(pieces) > 2, "written as read, not at the end"
    assert b"".join(pieces) == before
    assert exports.render(everything, fmt) == before
    assert exports.render(Hazard.objects.none(), fmt) == old_render(Hazard.objects.none(), fmt)


def test_a_failed_export_leaves_no_half_file(hazards, tmp_path, monkeypatch):
    from django.core.management import call_command

    target = tmp_path / "hazards.csv"
    real = exports.row
    calls = []

    def failing(hazard):
        calls.append(hazard.pk)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real(hazard)

    monkeypatch.setattr(exports, "row", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        call_command("export_hazards", "--output", str(target))
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(exports, "row", real)
    call_command("export_hazards", "--output", str(target))
    assert target.read_bytes() == old_render(Hazard.objects.all(), "csv")
