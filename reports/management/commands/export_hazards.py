"""python manage.py export_hazards [--region CODE] [--status S] [--format csv|xlsx|json]
[--output FILE]: the hazard register, to standard output or a file."""

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections.hazards.models import Hazard
from registry.models import Region
from reports import exports


class Command(BaseCommand):
    help = "Export the hazard register (隐患台账) as CSV, XLSX or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="division code: this region and all below it")
        parser.add_argument("--status", help="one of: " + ", ".join(exports.STATUSES))
        parser.add_argument("--format", default="csv", help="csv (default), xlsx or json")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        fmt = options["format"]
        if fmt not in exports.FORMATS:
            raise CommandError(f"--format must be one of {', '.join(exports.FORMATS)}, not {fmt!r}")
        status = options["status"]
        if status and status not in exports.STATUSES:
            raise CommandError(
                f"--status must be one of {', '.join(exports.STATUSES)}, not {status!r}"
            )
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"no region with division code {options['region']!r}")
        if fmt == "xlsx" and not options["output"] and sys.stdout.isatty():
            raise CommandError("XLSX is binary: give --output FILE or redirect standard output")
        # Written as read: a province's register is never held in memory whole.
        pieces = exports.chunks(
            exports.filtered(Hazard.objects.all(), region=region, status=status), fmt
        )
        if options["output"]:
            # Into a file beside it, renamed when complete: a failure leaves no half file.
            target = Path(options["output"])
            with tempfile.NamedTemporaryFile(
                dir=target.parent, prefix=f".{target.name}.", delete=False
            ) as handle:
                try:
                    handle.writelines(pieces)
                except BaseException:
                    os.unlink(handle.name)
                    raise
            os.replace(handle.name, target)
        else:
            sys.stdout.buffer.writelines(pieces)
            sys.stdout.flush()
