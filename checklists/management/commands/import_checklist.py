from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from checklists.exchange import ChecklistFileError, import_text
from registry.models import Region


class Command(BaseCommand):
    help = (
        "Create a new draft checklist version (or, with --publish, a published one) from a "
        "YAML or JSON file in the exchange format. A bad file is refused with its line number "
        "and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--publish", action="store_true", help="publish the new version")
        parser.add_argument(
            "--region",
            metavar="CODE",
            help="division code of the region that owns a new template "
            "(default: none, a shared template of the standard library)",
        )

    def handle(self, *args, file, publish=False, region=None, **options):
        owner = None
        if region is not None:
            owner = Region.objects.filter(code=region).first()
            if owner is None:
                raise CommandError(_("Unknown region code “%(code)s”.") % {"code": region})
        try:
            with open(file, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            message = _("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}
            raise CommandError(message) from None
        try:
            version = import_text(text, publish=publish, region=owner)
        except ChecklistFileError as exc:
            where = _("line %(line)d: ") % {"line": exc.line} if exc.line else ""
            raise CommandError(f"{file}: {where}{exc.message}") from None
        self.stdout.write(
            _("Imported %(template)s as version %(number)d (%(status)s).")
            % {
                "template": version.template.code,
                "number": version.number,
                "status": version.get_status_display(),
            }
        )
