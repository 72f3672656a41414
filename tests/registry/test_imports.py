"""Spreadsheet import of the two directories: all or nothing, every bad cell
reported, re-import updates instead of duplicating, the same on the upload page."""

import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry import imports
from registry.models import Facility, InspectorProfile, User
from tests.conftest import make_credit_code

FACILITY_HEADERS = [
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
]
INSPECTOR_HEADERS = ["姓名", "用户名", "所属部门", "所属区划代码", "执法证号", "检查类别"]


def csv_bytes(headers, rows, *, bom=True, encoding="utf-8"):
    lines = [",".join(headers)] + [",".join(str(c) for c in row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def xlsx_bytes(headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def good_facilities():
    return [
        ["枫桥颐养院", make_credit_code("430602", 101), "养老机构", "430602", "枫桥路1号",
         "80", "是", "否", "3", "2", "A", "2024-03-01"],
        ["南湖日间照料中心", make_credit_code("430602", 102), "社区养老服务站/日间照料中心",
         "430602", "南湖大道2号", "0", "否", "否", "1", "0", "B", ""],
        ["城南助餐点", "", "老年助餐点", "430602", "城南街3号", "", "是", "", "", "", "", ""],
    ]  # fmt: skip


@pytest.fixture
def sheet(tmp_path):
    def write(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def run(kind, path, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(f"import_{kind}", path, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def history_rows():
    return Facility.history.count() + InspectorProfile.history.count() + User.history.count()


# ---------------------------------------------------------------- facilities


def test_a_csv_with_bom_creates_facilities_and_reimport_changes_nothing(world, sheet):
    path = sheet("facilities.csv", csv_bytes(FACILITY_HEADERS, good_facilities()))
    before = Facility.objects.count()

    out, _err = run("facilities", path)

    assert "新增 3" in out
    assert Facility.objects.count() == before + 3
    home = Facility.objects.get(credit_code=make_credit_code("430602", 101))
    assert home.type == Facility.Type.CARE_HOME
    assert (home.beds, home.has_canteen, home.has_clinic, home.floors) == (80, True, False, 3)
    assert (home.star_level, home.risk_class) == (2, "A")
    assert home.filed and home.filed_on == date(2024, 3, 1)
    centre = Facility.objects.get(name="南湖日间照料中心")
    assert not centre.filed and centre.filed_on is None
    meal = Facility.objects.get(name="城南助餐点")
    assert meal.credit_code is None and meal.directory_no.startswith("430602-")
    assert meal.has_canteen and meal.floors == 1 and meal.risk_class == "B"

    history = history_rows()
    out, _err = run("facilities", path)

    assert "无变化 3" in out
    assert Facility.objects.count() == before + 3
    assert history_rows() == history, "a re-import without changes must record no history"


def test_reimport_updates_by_credit_code_and_records_one_change(world, sheet):
    rows = good_facilities()
    run("facilities", sheet("first.csv", csv_bytes(FACILITY_HEADERS, rows)))
    rows[0][5] = "95"  # beds
    rows[0][10] = "C"  # risk class
    history = Facility.history.count()

    out, _err = run("facilities", sheet("second.csv", csv_bytes(FACILITY_HEADERS, rows)))

    assert "更新 1" in out and "无变化 2" in out
    home = Facility.objects.get(credit_code=make_credit_code("430602", 101))
    assert (home.beds, home.risk_class) == (95, "C")
    assert Facility.history.count() == history + 1
    assert Facility.objects.filter(name="枫桥颐养院").count() == 1


def test_an_xlsx_with_numbers_and_dates_in_cells_is_read(world, sheet):
    rows = [
        ["湖滨康养中心", make_credit_code("430602", 201), "医养结合机构", 430602, "湖滨路9号",
         120, "是", "是", 6.0, 4, "d", datetime(2023, 5, 6)],
    ]  # fmt: skip
    out, _err = run("facilities", sheet("f.xlsx", xlsx_bytes(FACILITY_HEADERS, rows)))

    assert "新增 1" in out
    facility = Facility.objects.get(name="湖滨康养中心")
    assert facility.region == world["county"]
    assert (facility.floors, facility.star_level, facility.risk_class) == (6, 4, "D")
    assert facility.filed_on == date(2023, 5, 6) and facility.has_clinic


def test_bad_rows_write_nothing_and_every_bad_cell_is_reported(world, sheet):
    rows = good_facilities()
    bad_code = make_credit_code("430602", 301)
    bad_code = bad_code[:17] + ("0" if bad_code[17] != "0" else "1")
    rows += [
        ["", bad_code, "养老院所", "999999", "某地", "-3", "也许", "否", "0", "6", "E",
         "2024-02-30"],
        ["重复机构", make_credit_code("430602", 101), "养老机构", "430602", "某路", "10",
         "否", "否", "2", "1", "A", "2099-01-01"],
    ]  # fmt: skip
    path = sheet("bad.csv", csv_bytes(FACILITY_HEADERS, rows))
    before = Facility.objects.count()
    history = history_rows()

    with pytest.raises(CommandError, match="发现 12 处错误，未导入任何数据。") as raised:
        run("facilities", path)

    assert raised.value.returncode == 1
    assert "未导入任何数据" in str(raised.value)
    assert Facility.objects.count() == before
    assert history_rows() == history
    checked = imports.plan_facilities(imports.read_path(path))
    lines = [str(e) for e in checked.errors]
    expected = {
        (5, "机构名称"),
        (5, "统一社会信用代码"),
        (5, "机构类型"),
        (5, "所属区划代码"),
        (5, "床位数"),
        (5, "是否有食堂"),
        (5, "建筑层数"),
        (5, "等级"),
        (5, "信用风险等级"),
        (5, "备案日期"),
        (6, "统一社会信用代码"),
        (6, "备案日期"),
    }
    assert {(e.row, e.column) for e in checked.errors} == expected
    assert any(
        line.startswith("第 5 行，统一社会信用代码：") and "校验码" in line for line in lines
    )
    assert any("第 2 行" in line for line in lines if line.startswith("第 6 行，统一社会信用代码"))
    assert any("999999" in line for line in lines)


def test_the_command_prints_each_bad_cell_on_its_own_line(world, sheet):
    rows = [
        ["甲院", "", "养老机构", "430602", "甲路", "abc", "是", "否", "1", "0", "A", ""],
        ["乙院", "", "养老机构", "430699", "乙路", "1", "是", "否", "1", "0", "A", ""],
    ]
    err = io.StringIO()
    with pytest.raises(CommandError, match="发现 2 处错误，未导入任何数据。"):
        call_command(
            "import_facilities",
            sheet("two.csv", csv_bytes(FACILITY_HEADERS, rows)),
            stdout=io.StringIO(),
            stderr=err,
        )
    lines = err.getvalue().splitlines()
    assert lines == [
        "第 2 行，床位数：“abc”不是整数。",
        "第 3 行，所属区划代码：没有代码为“430699”的区划。",
    ]


def test_messages_can_be_given_in_english(world, sheet):
    rows = [["甲院", "", "养老机构", "430602", "甲路", "abc", "是", "否", "1", "0", "A", ""]]
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 error\(s\) found; nothing was imported\."):
        call_command(
            "import_facilities",
            sheet("en.csv", csv_bytes(FACILITY_HEADERS, rows)),
            language="en",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert err.getvalue().strip() == "Row 2, 床位数: “abc” is not a whole number."


def test_missing_columns_are_reported_on_row_1(world, sheet):
    headers = [h for h in FACILITY_HEADERS if h not in ("地址", "床位数")]
    path = sheet("cols.csv", csv_bytes(headers, [["甲院"]]))
    checked = imports.plan_facilities(imports.read_path(path))
    assert [str(e) for e in checked.errors] == [
        "第 1 行，地址：缺少这一列。",
        "第 1 行，床位数：缺少这一列。",
    ]


def test_csv_without_bom_and_in_gb18030_are_read(world, sheet):
    rows = good_facilities()[:1]
    plain = imports.read_path(sheet("plain.csv", csv_bytes(FACILITY_HEADERS, rows, bom=False)))
    chinese_windows = imports.read_path(
        sheet("gbk.csv", csv_bytes(FACILITY_HEADERS, rows, bom=False, encoding="gb18030"))
    )
    assert plain.rows == chinese_windows.rows
    assert plain.rows[0][1]["机构名称"] == "枫桥颐养院"


def test_old_excel_and_garbage_files_are_refused_with_a_reason(world, sheet):
    with pytest.raises(imports.ImportFileError, match="xlsx"):
        imports.read_table(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(imports.ImportFileError, match="该文件不是可读取的 .xlsx 工作簿。"):
        imports.read_table(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CommandError, match="文件"):
        run("facilities", sheet("junk.csv", b"\xff\xfe\x00\x00\x00binary"))


def test_the_template_has_the_headers_and_is_refused_while_empty(world, tmp_path):
    xlsx = tmp_path / "facilities.xlsx"
    csv_path = tmp_path / "inspectors.csv"
    call_command("import_facilities", template=str(xlsx), stdout=io.StringIO())
    call_command("import_inspectors", template=str(csv_path), stdout=io.StringIO())

    first_row = next(load_workbook(xlsx).worksheets[0].iter_rows(values_only=True))
    assert list(first_row)[: len(FACILITY_HEADERS)] == FACILITY_HEADERS
    assert csv_path.read_bytes().startswith("\ufeff姓名,用户名".encode())
    for path in (xlsx, csv_path):
        with pytest.raises(imports.ImportFileError, match="没有数据"):
            imports.read_path(path)


# ---------------------------------------------------------------- inspectors


def inspector_rows():
    return [
        ["刘洋", "liuyang", "岳阳楼区民政局", "430602", "43060210001", "消防安全、服务安全"],
        ["何静", "hejing", "yyl-fire", "430602", "43060210002", "消防安全"],
    ]


def test_inspectors_are_created_and_reimport_updates_by_username(world, sheet):
    path = sheet("i.csv", csv_bytes(INSPECTOR_HEADERS, inspector_rows()))
    out, _err = run("inspectors", path)
    assert "新增 2" in out
    liu = InspectorProfile.objects.get(user__username="liuyang")
    assert liu.categories == ["fire", "service"]
    assert liu.department == world["civil"] and liu.user.role == User.Role.INSPECTOR
    assert list(liu.user.regions.all()) == [world["county"]]
    assert not liu.user.has_usable_password()

    history = history_rows()
    out, _err = run("inspectors", path)
    assert "无变化 2" in out and history_rows() == history

    rows = inspector_rows()
    rows[1][5] = "消防安全，建筑安全"
    out, _err = run("inspectors", sheet("i2.csv", csv_bytes(INSPECTOR_HEADERS, rows)))
    assert "更新 1" in out
    assert InspectorProfile.objects.get(user__username="hejing").categories == [
        "fire",
        "building",
    ]
    assert User.objects.filter(username="hejing").count() == 1
    assert InspectorProfile.objects.filter(user__username="hejing").count() == 1


def test_bad_inspector_rows_are_all_reported_and_nothing_written(world, sheet, manager, inspector):
    rows = inspector_rows() + [
        ["", "bad name!", "不存在的部门", "430602", "43060210001", "防汛"],
        ["张三", "manager", "岳阳楼区民政局", "430602", "43060200001", "消防安全"],
        ["李四", "liuyang", "岳阳楼区民政局", "430602", "X-1", ""],
    ]
    path = sheet("bad.csv", csv_bytes(INSPECTOR_HEADERS, rows))
    users = User.objects.count()

    with pytest.raises(CommandError, match="发现 9 处错误，未导入任何数据。"):
        run("inspectors", path)

    assert User.objects.count() == users
    checked = imports.plan_inspectors(imports.read_path(path))
    assert {(e.row, e.column) for e in checked.errors} == {
        (4, "姓名"),
        (4, "用户名"),
        (4, "所属部门"),
        (4, "执法证号"),  # repeats row 2
        (4, "检查类别"),
        (5, "用户名"),  # a manager's account
        (5, "执法证号"),  # the credential of the fixture inspector
        (6, "用户名"),  # repeats row 2
        (6, "检查类别"),  # empty
    }


# ---------------------------------------------------------------- upload page


def upload(client, kind, data, name="sheet.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse(f"registry:import_{kind}"), {"file": file})


def test_a_lead_uploads_previews_and_confirms(world, lead, as_user):
    client = as_user(lead)
    response = upload(client, "facilities", csv_bytes(FACILITY_HEADERS, good_facilities()))
    assert response.status_code == 302
    assert Facility.objects.filter(name="枫桥颐养院").count() == 0, "nothing before confirming"

    preview = client.get(response.url)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "枫桥颐养院" in body and "城南助餐点" in body
    token = preview.context["pending"]["token"]

    done = client.post(reverse("registry:import_confirm", args=["facilities"]), {"token": token})
    assert done.status_code == 302 and done.url == reverse("registry:facility_list")
    facility = Facility.objects.get(name="枫桥颐养院")
    assert facility.history.first().history_user == lead

    again = client.post(reverse("registry:import_confirm", args=["facilities"]), {"token": token})
    assert again.status_code == 302
    assert Facility.objects.filter(name="枫桥颐养院").count() == 1, "a second click adds nothing"


def test_the_upload_page_lists_every_bad_cell_and_stores_nothing(world, lead, as_user):
    client = as_user(lead)
    rows = good_facilities()
    rows[1][5] = "很多"
    rows[2][3] = "430603"  # the other county: outside this lead's area
    response = upload(client, "facilities", csv_bytes(FACILITY_HEADERS, rows))

    assert response.status_code == 200
    body = response.content.decode()
    assert "第 3 行，床位数：“很多”不是整数。" in body
    assert "第 4 行，所属区划代码：" in body and "不在您的管辖范围内" in body
    assert "registry-import-facilities" not in client.session
    assert not Facility.objects.filter(name="枫桥颐养院").exists()


def test_a_lead_cannot_overwrite_a_facility_of_another_county(world, lead, as_user):
    far = world["far_facility"]
    rows = [[far.name, far.credit_code, "养老机构", "430602", "新地址", "1", "否", "否",
             "1", "0", "A", ""]]  # fmt: skip
    response = upload(as_user(lead), "facilities", csv_bytes(FACILITY_HEADERS, rows))
    assert "管辖范围外" in response.content.decode()
    far.refresh_from_db()
    assert far.region == world["other_county"] and far.address != "新地址"


def test_a_lead_cannot_take_over_an_inspector_of_another_county(
    world, other_lead, inspector, as_user
):
    rows = [["李喆", "inspector", "岳阳楼区民政局", "430603", "43060200001", "消防安全"]]
    response = upload(as_user(other_lead), "inspectors", csv_bytes(INSPECTOR_HEADERS, rows))
    assert "管辖范围外" in response.content.decode()
    assert InspectorProfile.objects.get(user=inspector).region == world["county"]


def test_an_unreadable_upload_is_refused_on_the_form(world, lead, as_user):
    response = upload(as_user(lead), "inspectors", b"\xd0\xcf\x11\xe0" + b"\0" * 64, "old.xls")
    assert response.status_code == 200
    assert ".xlsx" in response.context["form"].errors["file"][0]


def test_the_template_download_is_a_workbook(world, lead, as_user):
    response = as_user(lead).get(reverse("registry:import_template", args=["inspectors"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == INSPECTOR_HEADERS + ["联系电话"]
    assert as_user(lead).get("/registry/import/nothing/template.xlsx").status_code == 404
