"""The hazard register as a file: CSV, XLSX or JSON, with the columns named in the
public contract (README "Hazard export"). Text cells that a spreadsheet would take
for a formula are neutralised in CSV and XLSX."""

import csv
import io
import json
import tempfile

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

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
    # Extensions granted, counted per row by a subquery: a join with GROUP BY would
    # aggregate every hazard in scope before a page of them could be cut, so a page of a
    # province cost many times a county's.
    granted = (
        Extension.objects.filter(hazard=OuterRef("pk"), status=Extension.Status.APPROVED)
        .order_by()
        .values("hazard")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        hazards.select_related("facility__region", "closed_by")
        .annotate(granted=Coalesce(Subquery(granted), 0))
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


# Rows read per round trip: an export is written as it is read, never held whole.
BATCH = 2000


def render(hazards, fmt):
    """The export of ``hazards`` as bytes in ``fmt`` (csv, xlsx or json)."""
    return b"".join(chunks(hazards, fmt))


def chunks(hazards, fmt, *, progress=None):
    """The export of ``hazards`` in ``fmt`` as pieces of bytes, each row written as it
    is read from the database, in memory that does not grow with the number of rows.
    ``progress(n)``, when given, hears the number of rows read every ``BATCH`` rows and
    once at the end."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    rows = (row(h) for h in hazards_to_export(hazards).iterator(chunk_size=BATCH))
    if progress is not None:
        rows = _counted(rows, progress)
    if fmt == "json":
        return _json_chunks(rows)
    if fmt == "csv":
        return _csv_chunks(rows)
    return _xlsx_chunks(rows)


def _counted(rows, progress):
    n = 0
    for n, r in enumerate(rows, 1):
        yield r
        if n % BATCH == 0:
            progress(n)
    progress(n)


def _json_chunks(rows):
    # The bytes of json.dumps(list, ensure_ascii=False, indent=1), one row at a time:
    # a row's own lines are indented one step more (its strings hold no raw newline).
    first = True
    for r in rows:
        text = json.dumps(r, ensure_ascii=False, indent=1).replace("\n", "\n ")
        yield (("[\n " if first else ",\n ") + text).encode()
        first = False
    yield b"[]" if first else b"\n]"


def _csv_chunks(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # With a BOM, Excel on Chinese Windows opens it as UTF-8.
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for n, r in enumerate(rows, 1):
        writer.writerow(["" if r[c] is None else neutralise(r[c]) for c in COLUMNS])
        if n % BATCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


# Pieces of a finished XLSX file read back per round.
XLSX_PIECE = 1024 * 1024


def _xlsx_chunks(rows):
    from openpyxl import Workbook

    # Write-only: openpyxl spools the sheet's rows to a temporary file. The zip it then
    # builds goes to another temporary file, not to memory (a province's register is
    # about as large again as a zip), and is read back a piece at a time.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("hazards")
    sheet.append(COLUMNS)
    for r in rows:
        sheet.append([neutralise(r[c]) for c in COLUMNS])
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        while piece := spool.read(XLSX_PIECE):
            yield piece


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
