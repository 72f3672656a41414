"""``python manage.py credit_rules_load FILE --note "..." [--user NAME]``: load a new
version of the credit rule set from a YAML file (docs/credit-rules.md). The file is
checked first; a mistake is reported with what is wrong and nothing is loaded."""

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspections.credit import rules as credit_rules
from inspections.credit import services
from registry.models import User


class Command(BaseCommand):
    help = "Load a new version of the credit scoring rules from a YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the rule set, YAML in UTF-8")
        parser.add_argument("--note", required=True, help="what changed and why (kept with it)")
        parser.add_argument("--user", help="username recorded as the one who loaded it")

    def handle(self, *args: Any, file: str, note: str, user: str | None = None, **options: Any):
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"no user is called {user!r}")
        path = Path(file)
        try:
            if (
                path.stat().st_size > credit_rules.MAX_TEXT * 4
            ):  # UTF-8: at most 4 bytes a character
                raise CommandError(
                    f"{file}: a rule set is at most {credit_rules.MAX_TEXT} characters"
                )
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"no file {file!r}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not UTF-8 text") from None
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            ruleset = services.rules_load(text=text, note=note, by=by)
        except ValidationError as error:
            raise CommandError(f"{file}: {' '.join(error.messages)}") from None
        self.stdout.write(f"credit rules version {ruleset.version} loaded")
