"""The credit export for the credit platform: ``export_credit`` (JSON and CSV), the
``/api/credit/`` endpoint and the selector behind both. Each facility's record has its
class and the date a lead decided it, the lists it is on and its events of public
kinds; withdrawn events, other kinds and anything about a person stay out."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audited import save_with_history
from inspections.credit import services
from inspections.credit.export import CSV_COLUMNS, FORMAT, facility_records
from inspections.credit.models import CreditCase, CreditEvent, CreditList
from registry.models import Facility
from reports.tokens import api_token_create
from tests.conftest import add_facility

Kind = CreditEvent.Kind
SECRET_DETAIL = "张三罚款五千元"  # a hand-typed detail naming a person
HIDDEN_DETAIL = "YYL-2026-HIDDEN"  # the detail of a kind the public never sees
WITHDRAWN_DETAIL = "YYL-2026-WITHDRAWN"


def event(facility, key, kind, on, detail="", **fields):
    return save_with_history(
        CreditEvent(facility=facility, key=key, kind=kind, occurred_on=on, detail=detail, **fields)
    )


def decide_class(facility, cls, lead):
    case = save_with_history(
        CreditCase(
            facility=facility,
            kind=CreditCase.Kind.CLASS,
            previous_class=facility.risk_class,
            proposed_class=cls,
        )
    )
    return services.case_decide(case=case, decision=CreditCase.Decision.ACCEPTED, by=lead)


def put_on_list(facility, list_name, lead):
    case = save_with_history(
        CreditCase(facility=facility, kind=CreditCase.Kind.LIST_ENTRY, list_name=list_name)
    )
    return services.case_decide(case=case, decision=CreditCase.Decision.ACCEPTED, by=lead)


@pytest.fixture
def credit(world, lead, manager):
    """The county's facility: class C decided today, on the key list, with events of
    every sort; its neighbour has no event at all; a closed facility is not exported."""
    home = world["facility"]
    decide_class(home, "C", lead)
    put_on_list(home, CreditList.KEY, lead)
    event(home, "manual:t1", Kind.RESULT_FAIL, date(2026, 3, 2), "fire")
    event(home, "manual:t2", Kind.HAZARD_GENERAL, date(2026, 3, 2), HIDDEN_DETAIL)
    event(home, "manual:t3", Kind.SIGNATURE_REFUSED, date(2026, 3, 2))
    event(
        home,
        "manual:t4",
        Kind.HAZARD_MAJOR,
        date(2026, 4, 1),
        WITHDRAWN_DETAIL,
        withdrawn_at=timezone.now(),
        withdrawn_by=lead,
        withdrawn_reason="陈堃撤回",
    )
    event(home, "manual:t5", Kind.PENALTY, date(2026, 5, 6), SECRET_DETAIL, recorded_by=lead)
    event(home, "manual:t6", Kind.GRADE, date(2026, 1, 10), "3")
    event(world["far_facility"], "manual:t7", Kind.HAZARD_MAJOR, date(2026, 6, 1), "YX-1")
    closed = add_facility(world["county"], 90, "已注销养老院", active=False)
    event(closed, "manual:t8", Kind.PENALTY, date(2026, 2, 2))
    home.refresh_from_db()
    return {"home": home, "closed": closed, "lead": lead, "manager": manager}


def export(*args):
    out = io.StringIO()
    call_command("export_credit", *args, stdout=out)
    return out.getvalue()


def by_directory(data):
    return {record["directory_no"]: record for record in data["facilities"]}


def assert_no_person(text, credit):
    for person in (credit["lead"], credit["manager"]):
        assert person.full_name not in text
        assert person.username not in text
    for secret in (SECRET_DETAIL, HIDDEN_DETAIL, WITHDRAWN_DETAIL, "陈堃撤回"):
        assert secret not in text


# ---------------------------------------------------------------- JSON


def test_the_json_export_has_class_lists_and_public_events_only(world, credit):
    text = export("--format", "json")
    data = json.loads(text)
    assert data["format"] == FORMAT == "care-safety-credit-export/1"
    assert data["generated_at"].startswith("2026-12-01T") and data["generated_at"].endswith(
        "+08:00"
    )
    records = by_directory(data)
    home = records[credit["home"].directory_no]
    assert home["credit_code"] == credit["home"].credit_code
    assert home["name"] == credit["home"].name
    assert home["region_code"] == "430602"
    assert home["class"] == "C"
    assert home["class_decided_on"] == "2026-12-01"
    assert home["lists"] == [
        {"list": "key", "label": str(CreditList.KEY.label), "entered_on": "2026-12-01"}
    ]
    assert [(e["kind"], e["date"]) for e in home["events"]] == [
        ("grade", "2026-01-10"),
        ("result_fail", "2026-03-02"),
        ("penalty", "2026-05-06"),
    ]
    details = {e["kind"]: e["detail"] for e in home["events"]}
    assert details == {"grade": "3", "result_fail": "fire", "penalty": ""}
    assert_no_person(text, credit)
    # The neighbour: class as imported, never decided, on no list, no events.
    other = records[world["other_facility"].directory_no]
    assert (other["class"], other["class_decided_on"], other["lists"], other["events"]) == (
        "A",
        None,
        [],
        [],
    )
    assert records[world["far_facility"].directory_no]["events"][0]["detail"] == "YX-1"
    assert credit["closed"].directory_no not in records


def test_a_facility_without_a_credit_code_exports_null(world, credit):
    home = credit["home"]
    home.credit_code = None
    save_with_history(home)
    record = by_directory(json.loads(export()))[home.directory_no]
    assert record["credit_code"] is None


def test_a_class_changed_after_the_decision_has_no_decision_date(world, credit):
    home = credit["home"]
    home.risk_class = "D"
    save_with_history(home)
    record = by_directory(json.loads(export()))[home.directory_no]
    assert (record["class"], record["class_decided_on"]) == ("D", None)


def test_a_facility_that_left_a_list_is_no_longer_on_it(world, credit, lead):
    entry = credit["home"].credit_lists.get()
    entry.exited_on = date(2026, 12, 1)
    save_with_history(entry)
    record = by_directory(json.loads(export()))[credit["home"].directory_no]
    assert record["lists"] == []


def test_the_region_option_keeps_that_region_and_below(world, credit):
    records = by_directory(json.loads(export("--region", "430603")))
    assert set(records) == {world["far_facility"].directory_no}
    records = by_directory(json.loads(export("--region", "430600")))
    assert (
        world["facility"].directory_no in records and world["far_facility"].directory_no in records
    )


# ---------------------------------------------------------------- CSV


def test_the_csv_export_has_one_row_per_public_event(world, credit):
    text = export("--format", "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == CSV_COLUMNS
    home = [r for r in rows if r["directory_no"] == credit["home"].directory_no]
    assert [(r["event_kind"], r["event_date"], r["event_detail"]) for r in home] == [
        ("grade", "2026-01-10", "3"),
        ("result_fail", "2026-03-02", "fire"),
        ("penalty", "2026-05-06", ""),
    ]
    for row in home:
        assert row["class"] == "C" and row["class_decided_on"] == "2026-12-01"
        assert row["lists"] == "key:2026-12-01"
        assert row["credit_code"] == credit["home"].credit_code
    # A facility without events still has its row, with empty event columns.
    other = [r for r in rows if r["directory_no"] == world["other_facility"].directory_no]
    assert len(other) == 1
    assert (other[0]["class"], other[0]["event_kind"], other[0]["event_date"]) == ("A", "", "")
    assert_no_person(text, credit)
    assert "signature_refused" not in text and "hazard_general" not in text


def test_a_name_a_spreadsheet_would_run_is_neutralised(world, credit):
    home = credit["home"]
    home.name = "=HYPERLINK(1)"
    save_with_history(home)
    text = export("--format", "csv")
    assert "'=HYPERLINK(1)" in text


# ---------------------------------------------------------------- the command's contract


def test_bad_options_are_refused_with_a_clear_message(world):
    with pytest.raises(CommandError, match="--format must be one of json, csv"):
        export("--format", "xlsx")
    with pytest.raises(CommandError, match="no region with division code '999999'"):
        export("--region", "999999")


def test_the_output_file_is_written_whole(world, credit, tmp_path):
    target = tmp_path / "credit.json"
    assert export("--output", str(target)) == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert credit["home"].directory_no in by_directory(data)
    assert [p.name for p in tmp_path.iterdir()] == ["credit.json"]
    with pytest.raises(CommandError, match="no folder"):
        export("--output", str(tmp_path / "missing" / "credit.json"))


# ---------------------------------------------------------------- cost


def many(world, n, start):
    for serial in range(start, start + n):
        facility = add_facility(world["county"], serial, f"批量养老院{serial}")
        event(facility, f"manual:bulk{serial}", Kind.RESULT_PASS, date(2026, 3, 1))


def test_the_records_cost_the_same_queries_whatever_the_number_of_facilities(
    world, credit, django_assert_max_num_queries
):
    def count():
        with CaptureQueriesContext(connection) as captured:
            records = list(facility_records(Facility.objects.all(), today=date(2026, 12, 1)))
        return len(captured), len(records)

    few, n_few = count()
    many(world, 40, 100)
    more, n_more = count()
    assert n_more == n_few + 40
    assert more == few
    with django_assert_max_num_queries(5):
        list(facility_records(Facility.objects.all(), today=date(2026, 12, 1)))


def test_records_stream_in_chunks(world, credit, monkeypatch):
    from inspections.credit import export as module

    monkeypatch.setattr(module, "CHUNK", 2)
    many(world, 5, 100)
    records = list(facility_records(Facility.objects.filter(active=True), today=date(2026, 12, 1)))
    numbers = [r["directory_no"] for r in records]
    assert numbers == sorted(numbers) and len(numbers) == len(set(numbers)) == 8


# ---------------------------------------------------------------- API


def token_for(*regions):
    _token, key = api_token_create(
        name="-".join(r.code for r in regions), region_codes=[r.code for r in regions]
    )
    return key


def get(client, url, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.get(url, params, **headers)


def test_the_api_needs_a_token(client, world, credit, lead, as_user):
    assert client.get("/api/credit/").status_code == 401
    assert as_user(lead).get("/api/credit/").status_code == 401
    url = f"/api/credit/{credit['home'].directory_no}/"
    assert client.get(url).status_code == 401


def test_the_api_gives_the_export_records_of_the_tokens_regions(client, world, credit):
    key = token_for(world["county"])
    response = get(client, "/api/credit/", key)
    assert response.status_code == 200
    data = response.json()
    rows = {r["directory_no"]: r for r in data["results"]}
    assert set(rows) == {world["facility"].directory_no, world["other_facility"].directory_no}
    exported = by_directory(json.loads(export("--region", "430602")))
    assert rows == exported
    assert_no_person(response.content.decode(), credit)
    detail = get(client, f"/api/credit/{credit['home'].directory_no}/", key)
    assert detail.status_code == 200 and detail.json() == exported[credit["home"].directory_no]


def test_the_api_hides_what_is_outside_the_token(client, world, credit):
    county, other = token_for(world["county"]), token_for(world["other_county"])
    far = f"/api/credit/{world['far_facility'].directory_no}/"
    assert get(client, far, county).status_code == 404
    assert get(client, far, other).status_code == 200
    assert get(client, f"/api/credit/{credit['closed'].directory_no}/", county).status_code == 404
    # A region outside the token is 404 like an object outside it (a malformed code: 400).
    response = get(client, "/api/credit/", county, region=world["other_county"].code)
    assert response.status_code == 404


def test_the_api_is_paginated_and_filtered_by_class(client, world, credit):
    key = token_for(world["city"])
    data = get(client, "/api/credit/", key, page_size=1).json()
    assert data["count"] == 3 and len(data["results"]) == 1 and data["next"]
    classes = [
        r["class"] for r in get(client, "/api/credit/", key, **{"class": "C"}).json()["results"]
    ]
    assert classes == ["C", "C"]


def test_an_api_page_costs_the_same_queries_whatever_its_size(
    client, world, credit, django_assert_max_num_queries
):
    key = token_for(world["city"])
    get(client, "/api/credit/", key)  # stamps the token's last use once

    def count(**params):
        with CaptureQueriesContext(connection) as captured:
            assert get(client, "/api/credit/", key, **params).status_code == 200
        return len(captured)

    one = count(page_size=1)
    many(world, 20, 100)
    assert count(page_size=200) == one
    with django_assert_max_num_queries(8):
        get(client, "/api/credit/", key, page_size=200)
