"""The open data's bytes and its cost: `/public/results.csv` and `.json` give, for a
fixed set of results, exactly the bytes recorded in tests/reports/golden/ (the columns,
their order, every value, the newest-first order with its tie), and read the rows in
chunks at a fixed number of queries per chunk, however many results there are."""

import os
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from inspections.hazards.models import Hazard
from inspections.publication import services as publication_services
from registry.models import Region
from reports import views
from tests import snapshots
from tests.conftest import add_facility
from tests.enforcement.helpers import case_behind
from tests.inspections.conftest import finish_case as finish

SHANGHAI = ZoneInfo("Asia/Shanghai")
GOLDEN = Path(__file__).parent / "golden"
# Set to rewrite the golden files from the running code (only when a change of the
# open data's format is intended).
WRITE = os.environ.get("OPEN_DATA_GOLDEN_WRITE") == "1"


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=SHANGHAI), tick=False)


def body(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def publish(inspection, lead, when, **kwargs):
    publication = inspection.publication
    with at(*when):
        publication_services.publication_publish(publication=publication, by=lead, **kwargs)
    publication.refresh_from_db()
    return publication


@pytest.fixture
def team(inspector, inspector2):
    return (inspector, inspector2)


@pytest.fixture
@snapshots.kept
def results(world, onsite_template, team, lead):
    """Five results, in a fixed order: two inspected the same day (the tie is the id),
    one in a township with its hazards closed and corrected since (two versions), one
    withdrawn, one whose follow-up looks like a formula."""
    township = Region.objects.create(code="430602009", name="测试街道", parent=world["county"])
    homes = [
        add_facility(world["county"], 81, "岳阳楼区开放数据甲院"),
        add_facility(world["county"], 82, "岳阳楼区开放数据乙院"),
        add_facility(township, 83, "测试街道开放数据丙院"),
        add_facility(world["county"], 84, "岳阳楼区开放数据丁院"),
        add_facility(world["county"], 85, "岳阳楼区开放数据戊院"),
    ]
    same_day = date(2026, 10, 12)
    first = finish(homes[0], onsite_template, team, fail=("S-01", "S-02"), on=same_day)
    second = finish(homes[1], onsite_template, team, fail=("S-01",), on=same_day)
    corrected = finish(
        homes[2], onsite_template, team, fail=("S-01", "S-02"), on=date(2026, 10, 20)
    )
    withdrawn = finish(homes[3], onsite_template, team, on=date(2026, 11, 3))
    formula = finish(homes[4], onsite_template, team, fail=(), on=date(2026, 9, 30))

    out = [
        publish(first, lead, (2026, 10, 14, 9, 30), follow_up="责令限期整改。"),
        publish(second, lead, (2026, 10, 14, 9, 45), category="ordered"),
    ]
    # Fixed and verified since: closed hazards count in the *_closed columns.
    for hazard in corrected.hazards.all():
        hazard.status = Hazard.Status.CLOSED
        hazard.save()
    publication = publish(corrected, lead, (2026, 10, 22, 16, 0), category="corrected")
    case_behind(corrected, lead)
    with at(2026, 10, 25, 8, 5):
        publication_services.publication_correct(
            publication=publication,
            by=lead,
            reason="结果类别有误",
            category="penalty",
            follow_up="第二版跟进说明",
        )
    publication.refresh_from_db()
    out.append(publication)
    publication = publish(withdrawn, lead, (2026, 11, 4, 7, 59), follow_up="撤回前的跟进说明")
    with at(2026, 11, 5, 23, 30):
        publication_services.publication_withdraw(
            publication=publication, by=lead, reason="检查对象有误"
        )
    publication.refresh_from_db()
    out.append(publication)
    out.append(
        publish(formula, lead, (2026, 10, 1, 10, 0), follow_up='=HYPERLINK("http://x","点")')
    )
    return out


def placeholders(data, pks):
    """The download with each publication's id replaced by its place in ``pks``."""
    for n, pk in enumerate(pks):
        mark = f"@P{n}@".encode()
        for before, after in (
            (b'"publication_id": %d,' % pk, b'"publication_id": ' + mark + b","),
            (b"/public/results/%d/" % pk, b"/public/results/" + mark + b"/"),
            (b"\r\n%d," % pk, b"\r\n" + mark + b","),
        ):
            data = data.replace(before, after)
    return data


def expected(name, pks):
    data = (GOLDEN / name).read_bytes()
    for n, pk in enumerate(pks):
        data = data.replace(f"@P{n}@".encode(), str(pk).encode())
    return data


@pytest.mark.parametrize(
    ("url", "golden", "params"),
    [
        ("/public/results.csv", "results.csv", {}),
        ("/public/results.json", "results.json", {}),
        (
            "/public/results.csv",
            "results_county_october.csv",
            {"region": "430602", "date_from": "2026-10-01", "date_to": "2026-10-31"},
        ),
    ],
)
def test_the_downloads_give_exactly_the_recorded_bytes(client, results, url, golden, params):
    pks = [p.pk for p in results]
    data = body(client.get(url, params))
    if WRITE:
        GOLDEN.mkdir(exist_ok=True)
        (GOLDEN / golden).write_bytes(placeholders(data, pks))
    assert data == expected(golden, pks)


@pytest.mark.parametrize("url", ["/public/results.csv", "/public/results.json"])
def test_the_downloads_take_a_fixed_number_of_queries_per_chunk(
    client, results, url, monkeypatch, documents_root
):
    def queries(chunk):
        monkeypatch.setattr(views, "EXPORT_BATCH", chunk)
        # The whole register is kept once built: each request here builds it again.
        shutil.rmtree(documents_root / "opendata", ignore_errors=True)
        # Django keeps only the last 9,000 queries: start from none.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            data = body(client.get(url))
        return len(captured), data

    two, data = queries(4)  # 5 results: 4 + 1
    also_two, data3 = queries(3)  # 3 + 2
    three, data2 = queries(2)  # 2 + 2 + 1
    assert data == data2 == data3, "the chunk size changes nothing in the bytes"
    assert also_two == two
    per_chunk = three - two
    # One statement for the rows of a chunk and one for their hazard counts, at most.
    assert 1 <= per_chunk <= 2
    assert two - 2 * per_chunk >= 0
