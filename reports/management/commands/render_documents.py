"""Write an inspection's or a plan's official documents as PDF files (README "Commands")."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections.onsite.models import Inspection
from inspections.planning.models import Plan
from reports import documents


class Command(BaseCommand):
    help = (
        "Write the PDF documents of an inspection (record, notice, re-inspection opinion) "
        "or of a plan (plan and draw announcement, results announcement) into a directory."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--inspection", type=int, metavar="ID")
        which.add_argument("--plan", type=int, metavar="ID")
        parser.add_argument("--out", required=True, metavar="DIR", help="an existing directory")

    def handle(self, *args, inspection, plan, out, **options):
        folder = Path(out)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a directory.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CommandError(f"{folder} is not writable.")
        if inspection is not None:
            record = (
                Inspection.objects.select_related("facility__region", "plan")
                .filter(pk=inspection)
                .first()
            )
            if record is None:
                raise CommandError(f"No inspection with ID {inspection}.")
            kinds = documents.inspection_kinds(record)
            if not kinds:
                raise CommandError(
                    f"Inspection {inspection} has no documents: it is a self-inspection "
                    "or not finished."
                )
            rendered = [documents.inspection_document(record, kind, by=None) for kind in kinds]
        else:
            record = (
                Plan.objects.select_related("region", "lead_department").filter(pk=plan).first()
            )
            if record is None:
                raise CommandError(f"No plan with ID {plan}.")
            kinds = documents.plan_kinds(record)
            if not kinds:
                raise CommandError(f"Plan {plan} is a draft: it has no announcements yet.")
            rendered = [documents.plan_document(record, kind, by=None) for kind in kinds]
        # Every document is rendered, then written beside its name, before any is
        # renamed into place: a failure leaves no file, whole or partial.
        written = []
        try:
            for document in rendered:
                written.append((_temporary(folder, document.pdf), folder / document.filename))
            for temporary, target in written:
                os.replace(temporary, target)
                self.stdout.write(str(target))
        except OSError as error:
            for temporary, _target in written:
                Path(temporary).unlink(missing_ok=True)
            raise CommandError(f"Cannot write into {folder}: {error}") from error


def _temporary(folder, data):
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".pdf.part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary
