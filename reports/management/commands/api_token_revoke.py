"""python manage.py api_token_revoke --name N [--user U]: the token is refused from now on."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from registry.models import User
from reports.tokens import api_token_revoke


class Command(BaseCommand):
    help = "Revoke a read-only API token by name."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="the token's name")
        parser.add_argument("--user", help="username recorded as the one who revoked it")

    def handle(self, *args: Any, name: str, user: str | None = None, **options: Any) -> None:
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(_("No user is called “%(value)s”.") % {"value": user})
        try:
            token = api_token_revoke(name=name, by=by)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(_("Token “%(name)s” revoked.") % {"name": token.name})
