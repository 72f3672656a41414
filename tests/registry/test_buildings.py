"""Facility attributes the checklist rules read (capacity, gas, lifts, boilers,
oxygen, buildings): imported from the sheet, refused with the row when bad, edited on
the facility page."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from registry import buildings as building_text
from registry import imports, services
from registry.models import Building, Facility, GasSupply
from tests.conftest import make_credit_code

HEADERS = [
    "机构名称",
    "统一社会信用代码",
    "机构类型",
    "所属区划代码",
    "地址",
    "床位数",
    "是否有食堂",
    "是否有内设医疗机构",
    "建筑层数",
    "等级",
    "信用风险等级",
    "备案日期",
    "可容纳人数",
    "燃气供应",
    "电梯数量",
    "是否有锅炉",
    "是否有医用氧",
    "各栋建筑",
]


BASE = ["100", "是", "否", "3", "0", "B", ""]


def table(rows, headers=HEADERS):
    return imports.Table(
        headers=headers,
        rows=[(n, dict(zip(headers, row, strict=True))) for n, row in enumerate(rows, 2)],
    )


def row(serial, name, **cells):
    values = {
        "可容纳人数": "120",
        "燃气供应": "管道燃气",
        "电梯数量": "2",
        "是否有锅炉": "是",
        "是否有医用氧": "否",
        "各栋建筑": "1号楼/3/2400/100；2号楼/1/180㎡/20人",
        **cells,
    }
    return [
        name,
        make_credit_code("430602", serial),
        "养老机构",
        "430602",
        f"{name}路1号",
        *BASE,
        *(values[h] for h in HEADERS[len(BASE) + 5 :]),
    ]


def test_the_import_reads_the_new_columns_and_the_buildings(world):
    plan = imports.plan_facilities(table([row(301, "松柏颐养院")]))
    assert plan.ok, [str(e) for e in plan.errors]
    imports.apply(plan)

    home = Facility.objects.get(name="松柏颐养院")
    assert (home.capacity, home.gas_supply, home.lifts) == (120, GasSupply.PIPED, 2)
    assert (home.has_boiler, home.has_oxygen) == (True, False)
    assert [(b.name, b.floors, b.floor_area, b.capacity) for b in home.buildings.all()] == [
        ("1号楼", 3, Decimal("2400.00"), 100),
        ("2号楼", 1, Decimal("180.00"), 20),
    ]
    assert (home.largest_building_area, home.total_building_area) == (2400, 2580)
    assert Building.history.filter(facility_id=home.pk).count() == 2

    again = imports.plan_facilities(table([row(301, "松柏颐养院")]))
    assert again.unchanged == 1, "the same buildings again change nothing"

    changed = imports.plan_facilities(table([row(301, "松柏颐养院", 各栋建筑="1号楼/3/2400/100")]))
    assert changed.updated == 1
    imports.apply(changed)
    assert list(home.buildings.values_list("name", flat=True)) == ["1号楼"]


def test_empty_cells_mean_not_recorded(world):
    blank = {"可容纳人数": "", "燃气供应": "", "电梯数量": "", "是否有锅炉": "", "是否有医用氧": ""}
    plan = imports.plan_facilities(table([row(302, "青松日照中心", 各栋建筑="", **blank)]))
    imports.apply(plan)
    centre = Facility.objects.get(name="青松日照中心")
    assert (centre.capacity, centre.gas_supply, centre.lifts) == (None, "", None)
    assert (centre.has_boiler, centre.has_oxygen) == (None, None)
    assert centre.largest_building_area is None


def test_a_sheet_without_the_new_columns_leaves_them_alone(world):
    facility = world["facility"]
    services.facility_save(
        facility=facility,
        values={"capacity": 130, "gas_supply": GasSupply.BOTTLED},
        buildings=[{"name": "主楼", "floors": 4, "floor_area": Decimal(3000), "capacity": 130}],
    )
    headers = HEADERS[: 5 + len(BASE)]
    cells = [facility.name, facility.credit_code, "养老机构", "430602", facility.address, *BASE]
    plan = imports.plan_facilities(table([cells], headers))
    imports.apply(plan)
    facility.refresh_from_db()
    assert (facility.capacity, facility.gas_supply) == (130, GasSupply.BOTTLED)
    assert facility.buildings.count() == 1


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("可容纳人数", "一百", "一百"),
        ("可容纳人数", "-5", "-5"),
        ("燃气供应", "沼气", "沼气"),
        ("电梯数量", "999", "500"),
        ("是否有锅炉", "也许", "也许"),
        ("是否有医用氧", "maybe", "maybe"),
        ("各栋建筑", "1号楼/三层/2400/100", "1号楼/三层/2400/100"),
        ("各栋建筑", "1号楼/3/0/100", "1号楼/3/0/100"),
        ("各栋建筑", "1号楼/3/2400", "1号楼/3/2400"),
        ("各栋建筑", "1号楼/3/2400/100；1号楼/1/100/5", "1号楼/1/100/5"),
    ],
)
def test_a_bad_cell_is_refused_with_its_row_and_nothing_is_written(world, column, value, words):
    rows = [row(303, "好邻居养老院"), row(304, "坏数据养老院", **{column: value})]
    before = Facility.objects.count()

    plan = imports.plan_facilities(table(rows))

    assert not plan.ok
    [error] = plan.errors
    assert (error.row, error.column) == (3, column)
    assert "3" in str(error) and column in str(error) and words in str(error)
    assert Facility.objects.count() == before


def test_the_building_text_names_the_building_that_is_wrong():
    with pytest.raises(ValidationError, match="2号楼/1/abc/5"):
        building_text.parse("1号楼/3/2400/100\n2号楼/1/abc/5")
    parsed = building_text.parse("主楼 / 3层 / 1,200.5平方米 / 60人")
    assert parsed == [
        {"name": "主楼", "floors": 3, "floor_area": Decimal("1200.50"), "capacity": 60}
    ]


def test_the_facility_form_edits_the_attributes_and_the_buildings(world, lead, as_user):
    facility = world["facility"]
    client = as_user(lead)
    page = client.get(f"/registry/facilities/{facility.pk}/edit/")
    assert page.status_code == 200
    data = {
        "name": facility.name,
        "credit_code": facility.credit_code,
        "type": facility.type,
        "ownership": facility.ownership,
        "region": facility.region_id,
        "address": facility.address,
        "beds": 120,
        "has_canteen": "on",
        "floors": 4,
        "capacity": 150,
        "gas_supply": "bottled",
        "lifts": 2,
        "has_boiler": "false",
        "has_oxygen": "true",
        "star_level": 0,
        "active": "on",
        "buildings": "主楼/4/4200/150\n厨房/1/160/0",
    }
    response = client.post(f"/registry/facilities/{facility.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    facility.refresh_from_db()
    assert (facility.capacity, facility.gas_supply, facility.lifts) == (150, "bottled", 2)
    assert (facility.has_boiler, facility.has_oxygen) == (False, True)
    assert sorted(facility.buildings.values_list("name", "capacity")) == [
        ("主楼", 150),
        ("厨房", 0),
    ]
    detail = client.get(facility.get_absolute_url()).content.decode()
    assert "主楼" in detail and "4200" in detail

    bad = client.post(
        f"/registry/facilities/{facility.pk}/edit/", {**data, "buildings": "主楼/4/很多/150"}
    )
    assert bad.status_code == 200 and "主楼/4/很多/150" in bad.content.decode()
    assert facility.buildings.count() == 2
