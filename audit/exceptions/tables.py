"""What the exception pages make of a report's findings: the capped list, the counts
per region and local month, cells as people read them, and the CSV and XLSX files."""

import csv
import io
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.exceptions.base import Finding, Report
from audit.views import FORMULA_STARTS, people_time

# Findings are gathered in memory to be counted; past this many, the reader narrows
# the period instead.
ROW_CAP = 20_000


def collect(report: Report, user, start, end) -> tuple[list[Finding], bool]:
    """The first ``ROW_CAP`` findings, and whether there were more."""
    cap = ROW_CAP
    rows = list(islice(report.findings(user, start, end), cap + 1))
    return rows[:cap], len(rows) > cap


def _local_month(moment: datetime) -> str:
    return timezone.localtime(moment, timezone.get_default_timezone()).strftime("%Y-%m")


def counts(rows: list[Finding]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """``(per region, per local month)`` as (label, count): regions by count, most
    first; months in order."""
    regions, names = Counter(), {}
    for row in rows:
        key = row.region.pk if row.region is not None else None
        regions[key] += 1
        names[key] = row.region.name if row.region is not None else _("No region")
    per_region = sorted(
        ((names[key], n) for key, n in regions.items()), key=lambda pair: (-pair[1], pair[0])
    )
    per_month = sorted(Counter(_local_month(row.at) for row in rows).items())
    return per_region, per_month


def cell_text(value) -> str:
    """A cell as people read it: local time to the minute, dates as YYYY-MM-DD,
    yes/no for a bool, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return people_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _defused(text: str) -> str:
    # A spreadsheet runs a cell starting like a formula (CSV injection).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header(report: Report) -> list[str]:
    return [str(report.subject_label), _("Region"), *(str(label) for _key, label in report.columns)]


def _line(report: Report, row: Finding) -> list:
    region = row.region.name if row.region is not None else ""
    return [row.subject, region, *(row.cells.get(key) for key, _label in report.columns)]


def csv_bytes(report: Report, rows: list[Finding]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_defused(h) for h in header(report)])
    for row in rows:
        writer.writerow([_defused(cell_text(value)) for value in _line(report, row)])
    # The byte-order mark makes Excel read the file as UTF-8 (Chinese intact).
    return ("\ufeff" + buffer.getvalue()).encode()


def xlsx_bytes(report: Report, rows: list[Finding]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    # A sheet title holds at most 31 characters.
    sheet = book.create_sheet(report.key[:31])
    sheet.append([_defused(h) for h in header(report)])
    for row in rows:
        sheet.append(
            [
                # Counts stay numbers the reader can add up; everything else is text.
                value
                if isinstance(value, int | Decimal) and not isinstance(value, bool)
                else _defused(cell_text(value))
                for value in _line(report, row)
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
