"""Spreadsheet import of the two directories (两库), the way bureaus keep them.

A file is read into a ``Table`` of text cells keyed by the Chinese column header
(.xlsx, or .csv in UTF-8 with or without BOM; GB18030, which Excel writes on
Chinese Windows, is accepted too). ``plan_facilities`` / ``plan_inspectors``
check every cell and decide, row by row, what would be created or updated.
``apply`` writes a plan without errors in one transaction, object by object so
that history records each change. Nothing is written while any cell is wrong.

The table is plain JSON, so the upload page keeps it in the session between the
preview and the confirmation and plans again before writing.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from defusedxml import DefusedXmlException
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits

from . import access, services
from . import buildings as building_text
from .creditcode import credit_code_error, normalize
from .models import Category, Department, Facility, GasSupply, InspectorProfile, Region, User

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# What an .xlsx may unpack to: a full 5000-row sheet is a few MB of XML, a zip
# bomb of 5 MB unpacks to gigabytes.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024


class ImportFileError(Exception):
    """The file itself cannot be read (format, encoding, size)."""


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False  # the column must be present and the cell filled
    optional_column: bool = False  # the column may be absent: its field is then left alone
    note: str = ""  # what the template's instructions sheet says about the column


FACILITY_COLUMNS = [
    Column("机构名称", required=True, note="必填，最多 200 字"),
    Column("统一社会信用代码", note="18 位，按 GB 32100-2015 校验；未取得的可留空"),
    Column(
        "机构类型",
        required=True,
        note="养老机构、敬老院/特困供养机构、社区养老服务站/日间照料中心、"
        "农村互助幸福院、老年助餐点、医养结合机构",
    ),
    Column("所属区划代码", required=True, note="6 位县级代码，乡镇街道 9 位"),
    Column("地址", required=True, note="必填"),
    Column("床位数", note="非负整数，留空为 0"),
    Column("是否有食堂", note="是 或 否，留空为 否"),
    Column("是否有内设医疗机构", note="是 或 否，留空为 否"),
    Column("建筑层数", note="1 以上的整数，留空为 1"),
    Column("等级", note="星级 0–5（GB/T 37276），留空为 0"),
    Column("信用风险等级", note="A、B、C 或 D，留空为 B"),
    Column("备案日期", note="如 2024-03-01；留空表示未备案"),
    Column("举办性质", optional_column=True, note="可选列：公办、民办或公建民营"),
    Column("负责人", optional_column=True, note="可选列"),
    Column("联系电话", optional_column=True, note="可选列"),
    Column(
        "可容纳人数",
        optional_column=True,
        note="可选列：各栋建筑可容纳的老年人总数，0–100000；留空为未登记",
    ),
    Column("燃气供应", optional_column=True, note="可选列：管道燃气、瓶装液化气或无；留空为未登记"),
    Column("电梯数量", optional_column=True, note="可选列：0–500 的整数；留空为未登记"),
    Column("是否有锅炉", optional_column=True, note="可选列：是 或 否；留空为未登记"),
    Column(
        "是否有医用氧",
        optional_column=True,
        note="可选列：有医用氧供应或供氧管道填 是；留空为未登记",
    ),
    Column(
        "各栋建筑",
        optional_column=True,
        note="可选列：每栋写 名称/层数/建筑面积（平方米）/可容纳人数，多栋用分号分隔，"
        "如 1号楼/3/2400/120；2号楼/1/180/20。填写后机构的建筑以本格为准；留空则删除已登记的建筑",
    ),
]

INSPECTOR_COLUMNS = [
    Column("姓名", required=True, note="必填"),
    Column("用户名", required=True, note="登录用户名：字母、数字和 @.+-_"),
    Column("所属部门", required=True, note="部门全称或部门代码，须已在系统中"),
    Column("所属区划代码", required=True, note="6 位县级代码，乡镇街道 9 位"),
    Column("执法证号", required=True, note="必填，不得与他人重复"),
    Column(
        "检查类别",
        required=True,
        note="消防安全、食品安全、建筑安全、医疗卫生、服务安全，多个用逗号或顿号分隔",
    ),
    Column("联系电话", optional_column=True, note="可选列"),
]

KINDS = {"facilities": FACILITY_COLUMNS, "inspectors": INSPECTOR_COLUMNS}
IGNORED_HEADERS = {"序号", "备注"}

# Column values are Chinese whatever the interface language: they are the words
# bureaus type, so they are matched here rather than through gettext.
FACILITY_TYPES = {
    "养老机构": Facility.Type.CARE_HOME,
    "养老院": Facility.Type.CARE_HOME,
    "敬老院/特困供养机构": Facility.Type.WELFARE_HOME,
    "敬老院": Facility.Type.WELFARE_HOME,
    "农村敬老院": Facility.Type.WELFARE_HOME,
    "特困供养机构": Facility.Type.WELFARE_HOME,
    "特困人员供养服务机构": Facility.Type.WELFARE_HOME,
    "社区养老服务站/日间照料中心": Facility.Type.COMMUNITY,
    "社区养老服务站": Facility.Type.COMMUNITY,
    "日间照料中心": Facility.Type.COMMUNITY,
    "农村互助幸福院": Facility.Type.RURAL_MUTUAL,
    "互助幸福院": Facility.Type.RURAL_MUTUAL,
    "老年助餐点": Facility.Type.MEAL_POINT,
    "助餐点": Facility.Type.MEAL_POINT,
    "医养结合机构": Facility.Type.MEDICAL_CARE,
}
OWNERSHIPS = {
    "公办": Facility.Ownership.PUBLIC,
    "民办": Facility.Ownership.PRIVATE,
    "公建民营": Facility.Ownership.PUBLIC_PRIVATE,
}
GAS_SUPPLIES = {
    "管道燃气": GasSupply.PIPED,
    "管道天然气": GasSupply.PIPED,
    "天然气": GasSupply.PIPED,
    "瓶装液化气": GasSupply.BOTTLED,
    "瓶装液化石油气": GasSupply.BOTTLED,
    "液化气": GasSupply.BOTTLED,
    "液化石油气": GasSupply.BOTTLED,
    "无": GasSupply.NONE,
    "不使用燃气": GasSupply.NONE,
    "不使用": GasSupply.NONE,
}
CATEGORIES = {
    "消防安全": Category.FIRE,
    "消防": Category.FIRE,
    "食品安全": Category.FOOD,
    "食品": Category.FOOD,
    "建筑安全": Category.BUILDING,
    "建筑": Category.BUILDING,
    "医疗卫生": Category.MEDICAL,
    "医疗": Category.MEDICAL,
    "服务安全": Category.SERVICE,
    "服务": Category.SERVICE,
}
TYPE_NAMES = [
    "养老机构",
    "敬老院/特困供养机构",
    "社区养老服务站/日间照料中心",
    "农村互助幸福院",
    "老年助餐点",
    "医养结合机构",
]
CATEGORY_NAMES = ["消防安全", "食品安全", "建筑安全", "医疗卫生", "服务安全"]
YES = {"是", "有", "Y", "YES", "TRUE", "1"}
NO = {"否", "无", "没有", "N", "NO", "FALSE", "0"}
CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


# ---------------------------------------------------------------- reading files


@dataclass
class Table:
    headers: list
    rows: list  # [(spreadsheet row number, {header: text})]

    def to_json(self):
        return {"headers": self.headers, "rows": self.rows}

    @classmethod
    def from_json(cls, data):
        return cls(headers=data["headers"], rows=[(n, cells) for n, cells in data["rows"]])


def _text(value):
    """A cell as stripped text: numbers without a spurious ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Full-width spaces and non-breaking spaces come in with copy-and-paste.
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


def _header(value):
    # Templates mark required columns with an asterisk; people copy it into headers.
    return _text(value).replace("*", "").replace("＊", "").strip()


def read_table(data):
    """Read ``data`` (bytes) as .xlsx or .csv, detected by content, not by name."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV.")
        )
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    return _table(rows)


def read_path(path):
    try:
        return read_table(Path(path).read_bytes())
    except OSError as exc:
        raise ImportFileError(
            _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
        ) from None


def _unreadable(exc, after_row=0):
    """The message for a workbook openpyxl could not read, at the file or after a row."""
    causes = []
    while exc is not None and len(causes) < 10:  # openpyxl wraps its parsers' errors
        causes.append(exc)
        exc = exc.__cause__ or exc.__context__
    if any(isinstance(cause, DefusedXmlException) for cause in causes):
        return _(
            "The workbook contains XML entity or DTD declarations, which are refused for "
            "safety. Save it again from Excel or WPS as .xlsx."
        )
    if after_row:
        return _(
            "The sheet cannot be read after row %(row)d: the file is damaged. "
            "Save it again as .xlsx."
        ) % {"row": after_row}
    return _("The file is not a readable .xlsx workbook.")


def _xlsx_rows(data):
    """Rows of the first sheet. openpyxl parses the XML with defusedxml (installed
    from requirements.txt), so entity declarations are refused, not expanded; it
    reports a damaged file with whatever its zip and XML readers raise (BadZipFile,
    ParseError, KeyError, TypeError, zlib.error...), so any error reading it is the
    file's fault and becomes a message."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportFileError(_unreadable(exc)) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The workbook unpacks to more than %(n)d MB; this is not a directory sheet.")
            % {"n": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = workbook.worksheets[0].iter_rows(values_only=True)
    except Exception as exc:
        raise ImportFileError(_unreadable(exc)) from exc
    number = 0
    try:
        while True:
            try:
                row = next(rows, None)
            except Exception as exc:
                raise ImportFileError(_unreadable(exc, after_row=number)) from exc
            if row is None:
                return
            number += 1
            if number > MAX_ROWS + 1:
                raise ImportFileError(
                    _("The sheet has more than %(n)d rows; split it into several files.")
                    % {"n": MAX_ROWS}
                )
            yield number, [_text(v) for v in row]
    finally:
        workbook.close()


def _csv_rows(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The file is neither .xlsx nor a CSV file in UTF-8."))
    if "\x00" in text:
        raise ImportFileError(_("The file is neither .xlsx nor a CSV file in UTF-8."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                raise ImportFileError(
                    _("The sheet has more than %(n)d rows; split it into several files.")
                    % {"n": MAX_ROWS}
                )
            yield number, [_text(v) for v in row]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def _table(numbered_rows):
    headers = None
    rows = []
    for number, cells in numbered_rows:
        if headers is None:
            headers = [_header(c) for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            if number != 1 or not headers:
                raise ImportFileError(_("Row 1 must hold the column headers."))
            continue
        if not any(cells):
            continue  # blank lines between blocks are common and harmless
        values = {}
        for header, cell in zip(headers, cells, strict=False):
            if header and header not in values:
                values[header] = cell
        rows.append((number, values))
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The sheet has column headers but no data rows."))
    return Table(headers=headers, rows=rows)


# ---------------------------------------------------------------- planning


@dataclass
class CellError:
    row: int
    column: str
    reason: str

    def __str__(self):
        return _("Row %(row)d, %(column)s: %(reason)s") % {
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class RowPlan:
    row: int
    label: str  # what the row is, for the preview
    action: str  # "create", "update" or "unchanged"
    changes: list = field(default_factory=list)  # verbose names of changed fields
    apply: object = None  # callable(by) that writes the row


@dataclass
class Plan:
    kind: str
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    ignored_headers: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self):
        return self.count("create")

    @property
    def updated(self):
        return self.count("update")

    @property
    def unchanged(self):
        return self.count("unchanged")


class _Bad(Exception):
    """One cell's reason for refusal."""


def _check_headers(table, columns, plan):
    known = {c.header for c in columns}
    seen = set()
    for header in table.headers:
        if not header:
            continue
        if header in seen:
            plan.errors.append(CellError(1, header, _("This column appears twice.")))
        seen.add(header)
        if header not in known and header not in IGNORED_HEADERS:
            plan.ignored_headers.append(header)
    for column in columns:
        if column.header not in seen and not column.optional_column:
            plan.errors.append(CellError(1, column.header, _("This column is missing.")))


def _cells(table, columns, plan):
    """Yield (row number, {header: text, or None for an absent column}, errors so far).

    The count is taken before the row's own errors, so a caller can tell whether
    the row has any."""
    present = {c.header for c in columns if c.header in table.headers}
    for number, values in table.rows:
        before = len(plan.errors)
        cells = {
            c.header: values.get(c.header, "") if c.header in present else None for c in columns
        }
        missing = [
            c.header for c in columns if c.required and c.header in present and not cells[c.header]
        ]
        for header in missing:
            plan.errors.append(CellError(number, header, _("This cell must be filled in.")))
        yield number, cells, before


def _integer(text, *, low, high=None):
    cleaned = text.replace(",", "").replace("，", "")
    if not re.fullmatch(r"[+]?\d+", cleaned):
        raise _Bad(_("“%(value)s” is not a whole number.") % {"value": text})
    value = int(cleaned)
    if value < low or (high is not None and value > high):
        if high is None:
            raise _Bad(_("Must be at least %(low)d.") % {"low": low})
        raise _Bad(_("Must be between %(low)d and %(high)d.") % {"low": low, "high": high})
    return value


def _yes_no(text):
    value = text.upper()
    if value in YES:
        return True
    if value in NO:
        return False
    raise _Bad(_("Write 是 or 否, not “%(value)s”.") % {"value": text})


def _star_level(text):
    match = re.fullmatch(r"([0-5零一二三四五])\s*(星级|星)?", text)
    if not match:
        raise _Bad(_("The star level is 0 to 5, not “%(value)s”.") % {"value": text})
    digit = match.group(1)
    return CHINESE_DIGITS[digit] if digit in CHINESE_DIGITS else int(digit)


def _risk_class(text):
    value = text.upper().removesuffix("级").removesuffix("类").strip()
    if value not in Facility.RiskClass.values:
        raise _Bad(_("The credit/risk class is A, B, C or D, not “%(value)s”.") % {"value": text})
    return value


def _date(text):
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not match:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise _Bad(_("“%(value)s” is not a date such as 2024-03-01.") % {"value": text})
    try:
        value = date(*(int(g) for g in match.groups()))
    except ValueError:
        raise _Bad(_("“%(value)s” is not a date that exists.") % {"value": text}) from None
    if value > timezone.localdate():
        raise _Bad(_("The filing date cannot be in the future."))
    if value < limits.FILED_EARLIEST:
        raise _Bad(
            _("The filing date cannot be before %(date)s.")
            % {"date": limits.FILED_EARLIEST.isoformat()}
        )
    return value


def _choice(text, mapping, canonical):
    value = mapping.get(text.replace("／", "/").replace(" ", ""))
    if value is None:
        raise _Bad(
            _("Unknown value “%(value)s”; allowed: %(allowed)s.")
            % {"value": text, "allowed": "、".join(canonical)}
        )
    return value


def _length(text, limit):
    if len(text) > limit:
        raise _Bad(_("At most %(n)d characters.") % {"n": limit})
    return text


class _Regions:
    """Region lookups for a plan: existing, and (for a user) within their scope."""

    def __init__(self, user):
        self.user = user
        self.by_code = {r.code: r for r in Region.objects.all()}
        self.allowed = (
            None if user is None else set(access.regions_for(user).values_list("code", flat=True))
        )

    def get(self, text):
        region = self.by_code.get(text)
        if region is None:
            raise _Bad(_("No region has the code “%(code)s”.") % {"code": text})
        if self.allowed is not None and text not in self.allowed:
            raise _Bad(_("Region %(region)s is outside your area.") % {"region": region})
        return region


def _verbose(model, names):
    return [str(model._meta.get_field(n).verbose_name) for n in names]


def _parse(plan, number, header, parser, text):
    """Run ``parser`` on a filled cell; record its reason and return None when it refuses."""
    try:
        return parser(text)
    except _Bad as exc:
        plan.errors.append(CellError(number, header, str(exc)))
        return None


def plan_facilities(table, user=None):
    """Check every row of a facility sheet. ``user`` limits it to their regions."""
    plan = Plan(kind="facilities")
    _check_headers(table, FACILITY_COLUMNS, plan)
    if plan.errors:
        return plan
    regions = _Regions(user)
    visible = None if user is None else access.facilities_for(user)
    by_code = {f.credit_code: f for f in Facility.objects.exclude(credit_code=None)}
    codes_seen, names_seen = {}, {}

    for number, cells, before in _cells(table, FACILITY_COLUMNS, plan):

        def parse(header, parser, default=None, cells=cells, number=number):
            text = cells[header]
            if text is None:
                return None  # optional column absent: field left alone
            if not text:
                return default
            return _parse(plan, number, header, parser, text)

        name = parse("机构名称", lambda t: _length(t, 200))
        code = parse("统一社会信用代码", _credit_code)
        ftype = parse("机构类型", lambda t: _choice(t, FACILITY_TYPES, TYPE_NAMES))
        region = parse("所属区划代码", regions.get)
        address = parse("地址", lambda t: _length(t, 300))
        values = {
            "name": name,
            "credit_code": code,
            "type": ftype,
            "region": region,
            "address": address,
            "beds": parse("床位数", lambda t: _integer(t, low=0, high=100000), 0),
            "has_canteen": parse("是否有食堂", _yes_no, False),
            "has_clinic": parse("是否有内设医疗机构", _yes_no, False),
            "floors": parse("建筑层数", lambda t: _integer(t, low=1, high=200), 1),
            "star_level": parse("等级", _star_level, 0),
            "risk_class": parse("信用风险等级", _risk_class, Facility.RiskClass.B),
            "filed_on": parse("备案日期", _date),
        }
        values["filed"] = values["filed_on"] is not None
        for header, key, parser in (
            ("举办性质", "ownership", lambda t: _choice(t, OWNERSHIPS, list(OWNERSHIPS))),
            ("负责人", "responsible_person", lambda t: _length(t, 100)),
            ("联系电话", "phone", lambda t: _length(t, 30)),
        ):
            if cells[header] is not None:
                default = Facility.Ownership.PRIVATE if key == "ownership" else ""
                values[key] = parse(header, parser, default)
        # Attributes the checklist rules read: an empty cell means "not recorded".
        for header, key, parser in (
            ("可容纳人数", "capacity", lambda t: _integer(t, low=0, high=100000)),
            (
                "燃气供应",
                "gas_supply",
                lambda t: _choice(t, GAS_SUPPLIES, ["管道燃气", "瓶装液化气", "无"]),
            ),
            ("电梯数量", "lifts", lambda t: _integer(t, low=0, high=500)),
            ("是否有锅炉", "has_boiler", _yes_no),
            ("是否有医用氧", "has_oxygen", _yes_no),
        ):
            if cells[header] is not None:
                values[key] = parse(header, parser, "" if key == "gas_supply" else None)
        buildings = None
        if cells["各栋建筑"] is not None:
            buildings = parse("各栋建筑", _buildings, [])

        if code:
            if code in codes_seen:
                plan.errors.append(
                    CellError(
                        number,
                        "统一社会信用代码",
                        _("The same code is on row %(row)d.") % {"row": codes_seen[code]},
                    )
                )
            codes_seen.setdefault(code, number)
        elif name and region:
            key = (name, region.code)
            if key in names_seen:
                plan.errors.append(
                    CellError(
                        number,
                        "机构名称",
                        _("The same facility without a credit code is on row %(row)d.")
                        % {"row": names_seen[key]},
                    )
                )
            names_seen.setdefault(key, number)
        if len(plan.errors) > before:
            continue

        if code:
            existing = by_code.get(code)
        else:
            existing = Facility.objects.filter(credit_code=None, name=name, region=region).first()
        if (
            existing is not None
            and visible is not None
            and not visible.filter(pk=existing.pk).exists()
        ):
            plan.errors.append(
                CellError(
                    number,
                    "统一社会信用代码",
                    _("This code belongs to a facility outside your area."),
                )
            )
            continue
        plan.rows.append(_facility_row(number, existing, values, buildings))
    return plan


def _credit_code(text):
    code = normalize(text)
    error = credit_code_error(code)
    if error:
        raise _Bad(str(error))
    return code


def _buildings(text):
    try:
        return building_text.parse(text)
    except ValidationError as exc:
        raise _Bad(exc.messages[0]) from None


def _by_name(buildings):
    return sorted(buildings, key=lambda b: b["name"])


def _facility_row(number, existing, values, buildings=None):
    if existing is None:
        action, changes = "create", []
    else:
        changes = _verbose(Facility, services.changed_fields(existing, values))
        if buildings is not None and _by_name(
            building_text.as_values(existing.buildings.all())
        ) != _by_name(buildings):
            changes.append(_("buildings"))
        action = "update" if changes else "unchanged"

    def write(by, existing=existing):
        target = Facility.objects.get(pk=existing.pk) if existing else None
        services.facility_save(
            facility=target,
            values=values,
            buildings=buildings,
            by=by,
            reason=_("Spreadsheet import"),
        )

    return RowPlan(
        row=number,
        label=values["name"],
        action=action,
        changes=changes,
        apply=write,
    )


def _categories(text):
    parts = [p.strip() for p in re.split(r"[,，、;；/]", text) if p.strip()]
    values = []
    for part in parts:
        value = CATEGORIES.get(part) or (part if part in Category.values else None)
        if value is None:
            raise _Bad(
                _("Unknown value “%(value)s”; allowed: %(allowed)s.")
                % {"value": part, "allowed": "、".join(CATEGORY_NAMES)}
            )
        if value not in values:
            values.append(value)
    if not values:
        raise _Bad(_("This cell must be filled in."))
    return values


def _username(text):
    if len(text) > 150:
        raise _Bad(_("At most %(n)d characters.") % {"n": 150})
    try:
        UnicodeUsernameValidator()(text)
    except ValidationError:
        raise _Bad(
            _("A username may hold letters, digits and @ . + - _ only, not “%(value)s”.")
            % {"value": text}
        ) from None
    return text


def plan_inspectors(table, user=None):
    """Check every row of an inspector sheet. ``user`` limits it to their regions."""
    plan = Plan(kind="inspectors")
    _check_headers(table, INSPECTOR_COLUMNS, plan)
    if plan.errors:
        return plan
    regions = _Regions(user)
    visible = None if user is None else access.inspectors_for(user)
    departments = {}
    for department in Department.objects.all():
        departments[department.name] = department
        departments[department.code] = department
    users = {u.username: u for u in User.objects.select_related("inspector_profile")}
    credentials = dict(InspectorProfile.objects.values_list("credential_no", "user__username"))
    usernames_seen, credentials_seen = {}, {}

    def department_of(text):
        department = departments.get(text)
        if department is None:
            raise _Bad(_("No department is called “%(value)s”.") % {"value": text})
        return department

    for number, cells, before in _cells(table, INSPECTOR_COLUMNS, plan):

        def parse(header, parser, cells=cells, number=number):
            text = cells[header]
            if not text:
                return None if text is None else ""
            return _parse(plan, number, header, parser, text)

        full_name = parse("姓名", lambda t: _length(t, 100))
        username = parse("用户名", _username)
        department = parse("所属部门", department_of)
        region = parse("所属区划代码", regions.get)
        credential = parse("执法证号", lambda t: _length(t, 40))
        categories = parse("检查类别", _categories)
        phone = parse("联系电话", lambda t: _length(t, 30))

        if username:
            if username in usernames_seen:
                plan.errors.append(
                    CellError(
                        number,
                        "用户名",
                        _("The same username is on row %(row)d.")
                        % {"row": usernames_seen[username]},
                    )
                )
            usernames_seen.setdefault(username, number)
        if credential:
            if credential in credentials_seen:
                plan.errors.append(
                    CellError(
                        number,
                        "执法证号",
                        _("The same credential number is on row %(row)d.")
                        % {"row": credentials_seen[credential]},
                    )
                )
            credentials_seen.setdefault(credential, number)
            holder = credentials.get(credential)
            if username and holder and holder != username:
                plan.errors.append(
                    CellError(
                        number,
                        "执法证号",
                        _("This credential number belongs to another inspector."),
                    )
                )
        existing = users.get(username) if username else None
        if existing is not None:
            if not access.is_inspector(existing):
                plan.errors.append(
                    CellError(
                        number,
                        "用户名",
                        _("This username belongs to an account that is not an inspector's."),
                    )
                )
            elif (
                visible is not None
                and hasattr(existing, "inspector_profile")
                and not visible.filter(pk=existing.inspector_profile.pk).exists()
            ):
                plan.errors.append(
                    CellError(
                        number,
                        "用户名",
                        _("This username belongs to an inspector outside your area."),
                    )
                )
        if len(plan.errors) > before:
            continue
        plan.rows.append(
            _inspector_row(
                number,
                existing,
                user_values={
                    "full_name": full_name,
                    **({"phone": phone} if phone is not None else {}),
                },
                profile_values={
                    "department": department,
                    "region": region,
                    "credential_no": credential,
                    "categories": categories,
                },
                username=username,
            )
        )
    return plan


def _inspector_row(number, existing, *, user_values, profile_values, username):
    profile = getattr(existing, "inspector_profile", None) if existing else None
    if existing is None:
        action, changes = "create", []
    else:
        changes = _verbose(User, services.changed_fields(existing, user_values))
        if profile is None:
            changes.append(str(InspectorProfile._meta.verbose_name))
        else:
            changes += _verbose(InspectorProfile, services.changed_fields(profile, profile_values))
        action = "update" if changes else "unchanged"

    def write(by):
        region = profile_values["region"]
        current = InspectorProfile.objects.filter(user__username=username).first()
        # The inspector's scope follows their directory region; extra regions an
        # administrator granted by hand stay unless the region itself changes.
        moved = current is None or current.region_id != region.pk
        account = services.user_ensure(
            username=username,
            values={"role": User.Role.INSPECTOR, **user_values},
            regions=[region] if moved else None,
            by=by,
        )
        services.upsert(
            InspectorProfile,
            lookup={"user": account},
            values=profile_values,
            by=by,
            reason=_("Spreadsheet import"),
        )

    label = f"{user_values['full_name']} ({username})"
    return RowPlan(row=number, label=label, action=action, changes=changes, apply=write)


PLANNERS = {"facilities": plan_facilities, "inspectors": plan_inspectors}


def plan(kind, table, user=None):
    return PLANNERS[kind](table, user)


@transaction.atomic
def apply(checked, by=None):
    """Write every row of an error-free plan, or nothing at all."""
    if checked.errors:
        raise ValueError("a plan with errors cannot be applied")
    for row in checked.rows:
        if row.action != "unchanged":
            row.apply(by)
    return checked


# ---------------------------------------------------------------- templates


def template_bytes(kind, fmt="xlsx"):
    """An empty sheet with the headers of ``kind``, and a sheet explaining each column."""
    columns = KINDS[kind]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerow([c.header for c in columns])
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "检查对象名录" if kind == "facilities" else "执法检查人员名录"
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        # Codes are text: Excel would otherwise turn them into numbers and drop zeros.
        for row in range(2, 502):
            sheet[f"{letter}{row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明"])
    for column in columns:
        notes.append(
            [
                column.header,
                "必填" if column.required else ("可选列" if column.optional_column else "选填"),
                column.note,
            ]
        )
    notes.append([])
    notes.append(["", "", "第 1 行为列名，请勿修改；只读取第一个工作表。"])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
