"""export_hazards and its web twin: columns, filters, scoping, CSV injection."""

import csv
import io
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from inspections.hazards import services
from inspections.hazards.models import Extension
from reports.exports import COLUMNS

FOUND = date(2026, 11, 2)


def register(facility, by, description="消防通道堆放杂物", severity="general"):
    return services.hazard_register(
        facility=facility,
        severity=severity,
        source="complaint",
        description=description,
        found_on=FOUND,
        deadline_days=7,
        by=by,
    )


@pytest.fixture
def hazards(world, lead, other_lead):
    return {
        "here": register(world["facility"], lead),
        "formula": register(world["other_facility"], lead, description='=HYPERLINK("x")'),
        "far": register(world["far_facility"], other_lead, severity="major"),
    }


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_the_contract_columns_and_neutralises_formulas(hazards):
    rows = csv_rows(export_to_file(["--format", "csv"]))
    assert rows[0] == COLUMNS
    by_number = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    formula = by_number[hazards["formula"].register_no]
    assert formula["description"] == '\'=HYPERLINK("x")'
    here = by_number[hazards["here"].register_no]
    assert here["facility_code"] == hazards["here"].facility.code
    assert here["region_code"] == "430602" and here["source"] == "complaint"
    assert here["status"] == "registered" and here["found_on"] == "2026-11-02"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_it_neutralises_every_start_a_spreadsheet_takes_for_a_formula(start):
    from reports.exports import neutralise

    assert neutralise(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
    assert neutralise(f"消防{start}通道") == f"消防{start}通道"


def test_csv_neutralises_a_formula_behind_a_leading_tab_or_carriage_return(world, lead):
    tab = register(world["facility"], lead, description='\t=HYPERLINK("x")')
    carriage = register(world["facility"], lead, description='\r=HYPERLINK("x")')
    rows = csv_rows(export_to_file(["--format", "csv"]))
    by_number = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_number[tab.register_no]["description"] == '\'\t=HYPERLINK("x")'
    assert by_number[carriage.register_no]["description"] == '\'\r=HYPERLINK("x")'


def streamed(response):
    return b"".join(response.streaming_content)


def export_to_file(args):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out"
        call_command("export_hazards", *args, "--output", str(path))
        return path.read_bytes()


def test_json_keeps_the_text_as_it_is(hazards):
    rows = json.loads(export_to_file(["--format", "json"]))
    assert set(rows[0]) == set(COLUMNS)
    formula = next(r for r in rows if r["register_no"] == hazards["formula"].register_no)
    assert formula["description"] == '=HYPERLINK("x")'
    assert formula["due_provisional"] in (True, False) and formula["extensions"] == 0


def test_xlsx_has_the_columns_and_neutralises_formulas(hazards):
    sheet = load_workbook(io.BytesIO(export_to_file(["--format", "xlsx"]))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    descriptions = {r[0]: r[COLUMNS.index("description")] for r in rows[1:]}
    assert descriptions[hazards["formula"].register_no] == '\'=HYPERLINK("x")'


def test_region_and_status_filter_the_export(hazards, inspector, world):
    rows = json.loads(export_to_file(["--format", "json", "--region", "430603"]))
    assert [r["register_no"] for r in rows] == [hazards["far"].register_no]
    rows = json.loads(export_to_file(["--format", "json", "--status", "closed"]))
    assert rows == []


@pytest.mark.parametrize(
    "args, refusal",
    [
        (["--format", "pdf"], "--format must be one of csv, xlsx, json, not 'pdf'"),
        (["--status", "open"], "--status must be one of .*, not 'open'"),
        (["--region", "999999"], "no region with division code '999999'"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(args, refusal, hazards, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=refusal):
        call_command("export_hazards", *args, "--output", str(target))
    assert not target.exists()


def test_granted_extensions_are_counted(hazards, lead, manager, world):
    hazard = hazards["here"]
    hazard.status = "rectifying"
    hazard.due_on = date.today() + timedelta(days=5)
    hazard.save()
    request = services.extension_request(
        hazard=hazard,
        requested_due=hazard.due_on + timedelta(days=5),
        reasons="待采购",
        interim_measures="巡查",
        by=manager,
    )
    services.extension_decide(extension=request, approve=True, by=lead)
    assert Extension.objects.filter(status="approved").count() == 1
    rows = json.loads(export_to_file(["--format", "json"]))
    assert next(r for r in rows if r["register_no"] == hazard.register_no)["extensions"] == 1


def test_the_web_export_holds_only_the_leads_regions(hazards, lead, other_lead, as_user):
    data = json.loads(streamed(as_user(lead).get("/reports/hazards/export/?format=json&status=")))
    numbers = {r["register_no"] for r in data}
    assert numbers == {hazards["here"].register_no, hazards["formula"].register_no}
    far = as_user(other_lead).get("/reports/hazards/export/?format=csv")
    assert far["Content-Disposition"].startswith("attachment")
    assert [r[0] for r in csv_rows(streamed(far))[1:]] == [hazards["far"].register_no]


def test_the_web_export_is_for_bureau_leads(hazards, manager, inspector, as_user, client):
    for user in (manager, inspector):
        assert as_user(user).get("/reports/hazards/export/?format=csv").status_code == 403
    assert client.get("/reports/hazards/export/?format=csv").status_code == 302
