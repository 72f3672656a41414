"""``manage.py audit_verify [--from SEQ]``: recompute the audit chain and check every
seal; print the first broken link and exit 1, or ``OK`` and the rows checked."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit import chain
from audit.models import ChainSeal, ChangeLog


class Command(BaseCommand):
    help = "Recompute the audit chain and check the published seals"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="first", type=int, default=1, help="first sequence number"
        )

    def handle(self, *args: Any, first: int, **options: Any) -> None:
        first = max(first, 1)
        previous = chain.GENESIS
        if first > 1:
            before = ChangeLog.objects.filter(seq=first - 1).values_list("hash", flat=True).first()
            if before is None:
                self.stderr.write(f"seq {first - 1}: no such row to start after")
                sys.exit(1)
            previous = before
        rows = ChangeLog.objects.filter(seq__gte=first)
        seals = ChainSeal.objects.values_list("seq", "hash")
        checked = rows.count()
        broken = chain.verify(chain.rows_of(rows), seals, previous=previous, first=first)
        if broken is not None:
            self.stderr.write(f"BROKEN {broken}")
            sys.exit(1)
        self.stdout.write(f"OK {checked} rows from seq {first}, {seals.count()} seals")
