"""The migrations that moved "when next" from the hazard flow's timer to the column
``Hazard.next_alarm_at``: existing hazards get their next alarm by the same rule,
and processes waiting on the removed timer wait at ``idle`` until their hazard closes."""

from importlib import import_module
from types import ModuleType

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from viewflow.workflow.models import Task

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.hazards.schedule import hazard_next_alarm
from inspections.onsite.models import Inspection
from registry.models import User
from workflows.flows import HazardFlow
from workflows.receivers import process_of

from ..inspections.conftest import make_hazard
from ..inspections.test_hazards import photo


def migration(app: str, name_end: str) -> tuple[Apps, ModuleType]:
    """The models as the migration ``<app>.*<name_end>`` sees them, and its module
    (found by name: its number may change when migrations are linearised)."""
    loader = MigrationLoader(connection)
    (key,) = [key for key in loader.disk_migrations if key[0] == app and key[1].endswith(name_end)]
    return loader.project_state(key).apps, import_module(f"{app}.migrations.{key[1]}")


def test_existing_hazards_get_their_next_alarm_by_the_rule(
    finished: Inspection, general: Hazard, major: Hazard, lead: User
) -> None:
    closed = make_hazard(general.facility, lead, status="closed")
    apps, module = migration("inspections", "fill_hazard_next_alarm_at")
    historical = apps.get_model("inspections", "Hazard")
    expected = {pk: hazard_next_alarm(Hazard.objects.get(pk=pk)) for pk in (general.pk, major.pk)}
    assert all(expected.values())
    historical.objects.update(next_alarm_at=None)  # the column as the schema migration added it

    module.fill(apps, None)

    stored = dict(Hazard.objects.values_list("pk", "next_alarm_at"))
    assert stored == {
        general.pk: expected[general.pk].at,
        major.pk: expected[major.pk].at,
        closed.pk: None,
    }


def test_a_process_waiting_on_the_removed_timer_waits_at_idle_and_ends_on_closing(
    finished: Inspection, general: Hazard, major: Hazard, manager: User, inspector: User
) -> None:
    apps, module = migration("workflows", "hazard_timers_to_idle")
    tasks = apps.get_model("viewflow", "Task")
    process = process_of(HazardFlow, general)
    # The process as the former flow left it: waiting on its timer, not at idle.
    tasks.objects.filter(process_id=process.pk).update(status="DONE", finished=timezone.now())
    timer = tasks.objects.create(
        process_id=process.pk,
        flow_task="workflows/flows.HazardFlow.wait",
        flow_task_type="TIMER",
        status="SCHEDULED",
        scheduled=general.next_alarm_at,
    )
    untouched = list(Task.objects.filter(process=process_of(HazardFlow, major)).values())

    module.timers_to_idle(apps, None)

    timer.refresh_from_db()
    assert timer.status == "CANCELED" and timer.finished is not None
    (idle,) = Task.objects.filter(process=process, flow_task=HazardFlow.idle, status="NEW")
    assert list(idle.previous.values_list("pk", flat=True)) == [timer.pk]
    assert list(Task.objects.filter(process=process_of(HazardFlow, major)).values()) == untouched

    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    hazard_services.rectification_submit(
        hazard=general, description="已清理", uploads=[photo()], by=manager
    )
    hazard_services.rectification_verify(hazard=general, accept=True, by=inspector)
    assert process_of(HazardFlow, general).status == "DONE"
