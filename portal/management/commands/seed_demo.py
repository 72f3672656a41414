"""Build the demo county. Idempotent: a second run changes nothing.

Each app that has demo data provides ``<app>/demo.py`` with ``seed(log)``; they run
in INSTALLED_APPS order, so the directories exist before what builds on them.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create or refresh the demo county, its facilities, inspectors and log-ins."

    def handle(self, *args, **options):
        with transaction.atomic():
            for config in apps.get_app_configs():
                if find_spec(f"{config.name}.demo") is None:
                    continue
                import_module(f"{config.name}.demo").seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
