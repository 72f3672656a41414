from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from checklists.library import load_library


class Command(BaseCommand):
    help = "Publish the shipped standard checklist library (only templates whose content changed)."

    def handle(self, *args, **options):
        published, unchanged = load_library()
        self.stdout.write(
            _("Published: %(p)s. Unchanged: %(u)s.")
            % {"p": ", ".join(published) or "—", "u": ", ".join(unchanged) or "—"}
        )
