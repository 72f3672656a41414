"""``python manage.py credit_recompute [--date YYYY-MM-DD] [--region CODE] [--monthly]``:
collect new credit events, score the active facilities with the rules in force and
open a case for each class change or list entry the rules propose (docs/credit-rules.md).

The dispatcher (scripts/serve.sh, or cron/systemd in production) runs it with
``--monthly`` after every ``workflow_timers``: it then computes only when this month's
run has not been made yet. The run is idempotent (each fact is written once, an open
proposal is not proposed twice), so a lost marker costs one more run, nothing else.
"""

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from inspections.credit import services
from registry.models import Facility, Region

MARKER = "credit_recompute.month"


def marker_path() -> Path:
    return Path(settings.VAR_DIR) / MARKER


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def monthly_due(today: date) -> bool:
    """Whether this month's run is still to be made."""
    try:
        last = marker_path().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return True
    return last != month_of(today)


def monthly_done(today: date) -> None:
    """Record this month's run, written beside the marker and moved into place."""
    path = marker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".credit_recompute-")
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(month_of(today) + "\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class Command(BaseCommand):
    help = (
        "Score facilities' credit files with the rules in force and open a case for the "
        "county lead for each class change or list entry proposed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="score as of this day, YYYY-MM-DD (default: today)")
        parser.add_argument("--region", help="division code: this region and all below it")
        parser.add_argument(
            "--full",
            action="store_true",
            help="read every source whole, not only what changed since the last run",
        )
        parser.add_argument(
            "--monthly",
            action="store_true",
            help="only if this month's run is not made yet (the dispatcher's timer)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date must be a day as YYYY-MM-DD, not {options['date']!r}"
                ) from None
        facility_ids = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"no region with division code {options['region']!r}")
            facility_ids = list(
                Facility.objects.filter(region__path__startswith=region.path).values_list(
                    "pk", flat=True
                )
            )
        monthly = options["monthly"]
        if monthly:
            if options["date"] or options["region"]:
                raise CommandError("--monthly scores every facility as of today: give it alone")
            if not monthly_due(today):
                self.stdout.write(f"this month's credit run is made ({month_of(today)})")
                return
        outcome = services.credit_recompute(
            today=today, facility_ids=facility_ids, full=options["full"]
        )
        if monthly:
            monthly_done(today)
        self.stdout.write(
            f"{outcome.facilities} facilities scored, {outcome.written} events written, "
            f"{len(outcome.opened)} cases opened, {outcome.lapsed} cases lapsed"
        )
