"""Shared body of import_facilities and import_inspectors."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from registry import imports
from registry.models import User


class ImportCommand(BaseCommand):
    kind = ""  # "facilities" or "inspectors"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help=".xlsx or .csv (UTF-8, with or without BOM)")
        parser.add_argument(
            "--template",
            metavar="PATH",
            help="write an empty template with the column headers to PATH (.xlsx or .csv)",
        )
        parser.add_argument(
            "--user", help="username recorded in the history as the one who imported"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help="language of the messages (default: %(default)s)",
        )

    def handle(self, *args, language=None, **options):
        with translation.override(language):
            self._import(**options)

    def _import(self, *, file=None, template=None, user=None, **options):
        if template:
            fmt = "csv" if template.lower().endswith(".csv") else "xlsx"
            Path(template).write_bytes(imports.template_bytes(self.kind, fmt))
            self.stdout.write(_("Template written to %(path)s.") % {"path": template})
            return
        if not file:
            raise CommandError(_("Give the file to import, or --template PATH."))
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(_("No user is called “%(value)s”.") % {"value": user})
        try:
            table = imports.read_path(file)
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        checked = imports.plan(self.kind, table)
        for header in checked.ignored_headers:
            self.stderr.write(_("Column “%(column)s” is not imported.") % {"column": header})
        if checked.errors:
            for error in checked.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)d error(s) found; nothing was imported.") % {"n": len(checked.errors)}
            )
        imports.apply(checked, by=by)
        self.stdout.write(
            _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "created": checked.created,
                "updated": checked.updated,
                "unchanged": checked.unchanged,
            }
        )
