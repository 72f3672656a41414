"""``manage.py audit_seal``: seal the audit chain's head now (the dispatcher seals it
once a day by itself)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from audit.services import chain_seal, seal_due


class Command(BaseCommand):
    help = "Seal the audit chain's head and publish the seal"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--daily", action="store_true", help="only if today's seal is not made yet"
        )

    def handle(self, *args: Any, daily: bool = False, **options: Any) -> None:
        if daily and not seal_due():
            self.stdout.write("today's seal is made")
            return
        seal = chain_seal()
        if seal is None:
            self.stdout.write("nothing recorded since the last seal")
        else:
            self.stdout.write(f"sealed seq {seal.seq} {seal.hash}")
