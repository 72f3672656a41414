"""python manage.py api_token_create --name N --region CODE [--region CODE] [--user U]:
a token for the read-only API, scoped to those regions and everything below them.
The key is printed once, on standard output, and stored nowhere."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from registry.models import User
from reports.tokens import api_token_create


class Command(BaseCommand):
    help = "Create a read-only API token for regions; prints the key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="a unique name, e.g. the platform's")
        parser.add_argument(
            "--region",
            action="append",
            required=True,
            metavar="CODE",
            help="division code the token may read (with everything below it); repeatable",
        )
        parser.add_argument("--user", help="username recorded as the one who created it")

    def handle(
        self, *args: Any, name: str, region: list[str], user: str | None = None, **options: Any
    ) -> None:
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(_("No user is called “%(value)s”.") % {"value": user})
        try:
            token, key = api_token_create(name=name, region_codes=region, by=by)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        codes = ", ".join(token.regions.order_by("code").values_list("code", flat=True))
        self.stderr.write(
            _(
                "Token “%(name)s” created for %(codes)s. The key below is shown only now: "
                "store it safely, it cannot be shown again."
            )
            % {"name": token.name, "codes": codes}
        )
        # The key alone on standard output, so that a script can capture it.
        self.stdout.write(key)
