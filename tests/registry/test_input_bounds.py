"""Damaged and hostile spreadsheets (issue 14, finding 9): an entity bomb, a broken
zip or XML, a zip bomb are refused with a file-level or 第 N 行 message, the command
exits 1 and nothing is imported; the same on the upload page. Filing dates and
forged ids are bounded too."""

import io
import zipfile

import openpyxl.xml
import openpyxl.xml.functions
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from openpyxl import Workbook

from registry import imports
from registry.forms import FacilityForm
from registry.models import Facility, Region
from reports.tokens import api_token_create

from .test_imports import FACILITY_HEADERS, csv_bytes, good_facilities, run, upload

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"".join(b"&lol%d;" % (n - 1) for _ in range(10)))
        for n in range(1, 10)
    ).replace(b"&lol0;", b"&lol;")
    + b"]>"
)


@pytest.fixture
def file_of(tmp_path):
    def write(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def facility_workbook(rows=200):
    workbook = Workbook()
    for row in [FACILITY_HEADERS] + good_facilities()[:1] * rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def with_part(data, name, change):
    """``data`` (an .xlsx) with the part ``name`` replaced by ``change(content)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


def bombed(content):
    body = content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else content
    return BILLION_LAUGHS + body.replace(b"<v>", b"<v>&lol9;", 1)


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")
    assert openpyxl.xml.functions.fromstring.__module__.startswith("defusedxml")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_entity_bomb_is_refused_and_nothing_is_imported(world, file_of, part):
    data = with_part(facility_workbook(rows=3), part, bombed)
    with pytest.raises(imports.ImportFileError, match="XML 实体"):
        imports.read_table(data)
    with pytest.raises(CommandError, match="XML 实体"):
        run("facilities", file_of("bomb.xlsx", data))
    assert not Facility.objects.filter(name="枫桥颐养院").exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a cut-off download
        lambda data: with_part(data, "xl/workbook.xml", lambda c: c[: len(c) // 2]),
        lambda data: with_part(data, "[Content_Types].xml", lambda c: b"<Types"),
        lambda data: with_part(data, "xl/styles.xml", lambda c: c.replace(b">", b"<", 3)),
    ],
    ids=["cut-off zip", "broken workbook.xml", "broken content types", "broken styles"],
)
def test_a_broken_workbook_is_refused_as_a_file(world, file_of, damage):
    data = damage(facility_workbook(rows=3))
    with pytest.raises(imports.ImportFileError, match="不是可读取的 .xlsx 工作簿"):
        imports.read_table(data)
    with pytest.raises(CommandError, match="不是可读取的 .xlsx 工作簿"):
        run("facilities", file_of("broken.xlsx", data))
    assert not Facility.objects.filter(name="枫桥颐养院").exists()


def test_a_sheet_broken_midway_names_the_last_row_read(world, file_of):
    data = with_part(
        facility_workbook(),
        "xl/worksheets/sheet1.xml",
        lambda c: c.replace(b'<row r="120"', b'<row r="120" <<<'),
    )
    with pytest.raises(imports.ImportFileError, match="第 119 行之后的内容无法读取"):
        imports.read_table(data)
    with pytest.raises(CommandError, match="第 119 行"):
        run("facilities", file_of("midway.xlsx", data))
    assert not Facility.objects.filter(name="枫桥颐养院").exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (imports.MAX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < imports.MAX_BYTES
    with pytest.raises(imports.ImportFileError, match="解压后超过 50 MB"):
        imports.read_table(out.getvalue())


def test_the_upload_page_shows_the_message_and_stores_nothing(world, lead, as_user):
    data = with_part(facility_workbook(rows=3), "xl/worksheets/sheet1.xml", bombed)
    response = upload(as_user(lead), "facilities", data, "bomb.xlsx")
    assert response.status_code == 200
    assert "XML 实体" in response.context["form"].errors["file"][0]
    assert not Facility.objects.filter(name="枫桥颐养院").exists()


# ---------------------------------------------------------------- dates and ids


def facility_values(world, **changes):
    facility = world["facility"]
    values = {
        "name": facility.name,
        "type": facility.type,
        "ownership": facility.ownership,
        "region": world["county"].pk,
        "address": facility.address,
        "beds": 10,
        "floors": 1,
        "star_level": 0,
        "risk_class": "B",
        "active": True,
    }
    return {**values, **changes}


@pytest.mark.parametrize("filed_on", ["9999-12-31", "1900-01-01"])
def test_a_filing_date_out_of_range_is_refused_on_the_form(world, filed_on):
    form = FacilityForm(
        facility_values(world, filed="on", filed_on=filed_on),
        instance=world["facility"],
        regions=Region.objects.all(),
    )
    assert not form.is_valid()
    assert "备案日期须在 1949-10-01 至" in form.errors["filed_on"][0]


def test_a_filing_date_before_1949_is_refused_in_the_import(world, file_of):
    rows = good_facilities()[:1]
    rows[0][-1] = "1900-01-01"
    with pytest.raises(CommandError, match="发现 1 处错误，未导入任何数据"):
        run("facilities", file_of("old.csv", csv_bytes(FACILITY_HEADERS, rows)))
    checked = imports.plan_facilities(imports.read_table(csv_bytes(FACILITY_HEADERS, rows)))
    assert [str(e) for e in checked.errors] == ["第 2 行，备案日期：备案日期不能早于 1949-10-01。"]


@pytest.mark.parametrize("forged", [2**63, 10**20, -(2**63) - 1])
def test_an_id_no_column_can_hold_matches_nothing(world, forged):
    assert list(Facility.objects.filter(pk__in=[forged, world["facility"].pk])) == [
        world["facility"]
    ]
    assert not Facility.objects.filter(pk__in=[forged]).exists()


def test_the_bounded_in_still_takes_a_subquery(world):
    ids = Facility.objects.filter(name=world["facility"].name).values("pk")
    assert list(Facility.objects.filter(pk__in=ids)) == [world["facility"]]


def test_an_api_token_name_takes_100_characters_and_not_101(world):
    with pytest.raises(ValidationError, match="名称不能超过 100 字（当前 101 字）"):
        api_token_create(name="令" * 101, region_codes=[world["county"].code])
    token, _key = api_token_create(name="令" * 100, region_codes=[world["county"].code])
    assert token.name == "令" * 100
