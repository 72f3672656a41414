"""The hazard register as a file: CSV, XLSX or JSON, with the columns named in the
public contract (README "Hazard export"). Text cells that a spreadsheet would take
for a formula are neutralised in CSV and XLSX."""

import csv
import io
import json

from django.db.models import Count, Q

from core.timefmt import local_date
from inspections.hazards.models import Extension, Hazard

COLUMNS = [
    "register_no",
    "facility_code",
    "facility_name",
    "region_code",
    "department",
    "category",
    "severity",
    "item_code",
    "description",
    "source",
    "status",
    "found_on",
    "due_on",
    "due_provisional",
    "closed_on",
    "verified_by",
    "extensions",
]
FORMATS = ("csv", "xlsx", "json")
# Spreadsheets run a cell starting with one of these as a formula (CSV injection); a
# leading tab or carriage return is skipped by some of them before they look.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def hazards_to_export(hazards):
    """The register rows, in register-number order, in a fixed number of queries."""
    return (
        hazards.select_related("facility__region", "closed_by")
        .annotate(
            granted=Count("extensions", filter=Q(extensions__status=Extension.Status.APPROVED))
        )
        .order_by("register_no")
    )


def row(hazard):
    return {
        "register_no": hazard.register_no,
        "facility_code": hazard.facility.code,
        "facility_name": hazard.facility.name,
        "region_code": hazard.facility.region.code,
        "department": hazard.department,
        "category": hazard.category,
        "severity": hazard.severity,
        "item_code": hazard.item_code,
        "description": hazard.description,
        "source": hazard.source,
        "status": hazard.status,
        "found_on": hazard.found_on.isoformat(),
        "due_on": hazard.due_on.isoformat(),
        "due_provisional": hazard.due_provisional,
        # The date in the configured zone: in UTC a hazard closed before 08:00 in
        # Shanghai would read as closed the day before.
        "closed_on": local_date(hazard.closed_at).isoformat() if hazard.closed_at else None,
        "verified_by": hazard.closed_by.display_name if hazard.closed_by else None,
        "extensions": hazard.granted,
    }


def neutralise(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def render(hazards, fmt):
    """The export of ``hazards`` as bytes in ``fmt`` (csv, xlsx or json)."""
    rows = [row(h) for h in hazards_to_export(hazards)]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1).encode()
    cells = [[neutralise(r[c]) for c in COLUMNS] for r in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for line in cells:
            writer.writerow(["" if v is None else v for v in line])
        # With a BOM, Excel on Chinese Windows opens it as UTF-8.
        return ("\ufeff" + buffer.getvalue()).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("hazards")
        sheet.append(COLUMNS)
        for line in cells:
            sheet.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise ValueError(fmt)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def filtered(hazards, *, region=None, status=None):
    """``hazards`` in ``region`` (a Region, with everything below it) and ``status``."""
    if region is not None:
        hazards = hazards.filter(facility__region__path__startswith=region.path)
    if status:
        hazards = hazards.filter(status=status)
    return hazards


STATUSES = Hazard.Status.values
