"""python manage.py export_credit [--format json|csv] [--region CODE] [--output FILE]:
the credit records of active facilities for the credit platform (docs/credit-export.md),
to standard output or a file."""

import csv
import json
import os
import tempfile

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.timefmt import iso
from inspections.credit import export
from registry.models import Facility, Region
from reports.exports import neutralise

FORMATS = ("json", "csv")


def write_json(handle, records, generated_at):
    """One JSON object, written facility by facility so that memory stays flat."""
    head = json.dumps({"format": export.FORMAT, "generated_at": generated_at}, ensure_ascii=False)
    handle.write(head[:-1] + ', "facilities": [')
    for n, record in enumerate(records):
        handle.write(("," if n else "") + "\n")
        handle.write(json.dumps(export.jsonable(record), ensure_ascii=False))
    handle.write("\n]}\n")


def write_csv(handle, records):
    # With a BOM, Excel on Chinese Windows opens it as UTF-8.
    handle.write("\ufeff")
    writer = csv.writer(handle)
    writer.writerow(export.CSV_COLUMNS)
    for record in records:
        for row in export.csv_rows(record):
            writer.writerow([neutralise(cell) for cell in row])


class _Unended:
    """The command's standard output, written as given (no line ending added)."""

    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.write(text, ending="")


class Command(BaseCommand):
    help = "Export facilities' credit class, lists and public events as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--format", default="json", help="json (default) or csv")
        parser.add_argument("--region", help="division code: this region and all below it")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        fmt = options["format"]
        if fmt not in FORMATS:
            raise CommandError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        facilities = Facility.objects.filter(active=True)
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"no region with division code {options['region']!r}")
            facilities = facilities.filter(region__path__startswith=region.path)
        records = export.facility_records(facilities, today=timezone.localdate())
        generated_at = iso(timezone.now())

        def write(handle):
            if fmt == "json":
                write_json(handle, records, generated_at)
            else:
                write_csv(handle, records)

        output = options["output"]
        if not output:
            write(_Unended(self.stdout))
            self.stdout.flush()
            return
        # Written beside the target and moved into place: a failed run leaves no half file.
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise CommandError(f"no folder {folder!r} to write {output!r} in")
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".export_credit-")
        try:
            with open(fd, "w", encoding="utf-8", newline="") as handle:
                write(handle)
            os.replace(temporary, output)
        except BaseException:
            os.unlink(temporary)
            raise
