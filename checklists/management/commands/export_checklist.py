from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from checklists.exchange import dump, export_document
from checklists.models import ChecklistTemplate


class Command(BaseCommand):
    help = "Write a checklist version to standard output as YAML (default) or JSON."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The public contract names the option --version, which replaces Django's
        # own "--version" (print Django's version) for this command.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code", help="template code, e.g. std-fire")
        parser.add_argument(
            "--version", type=int, dest="number", help="version number (default: newest published)"
        )
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")

    def handle(self, *args, code, number=None, format="yaml", **options):
        template = ChecklistTemplate.objects.filter(code=code).first()
        if template is None:
            raise CommandError(_("No checklist template has the code “%(code)s”.") % {"code": code})
        if number is None:
            version = template.current_version or template.versions.order_by("-number").first()
        else:
            version = template.versions.filter(number=number).first()
        if version is None:
            raise CommandError(
                _("Checklist “%(code)s” has no version %(n)s.") % {"code": code, "n": number or ""}
            )
        self.stdout.write(dump(export_document(version), format), ending="")
