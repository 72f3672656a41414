"""The hazard flow no longer has a timer: a hazard's next alarm is the column
``Hazard.next_alarm_at`` (filled by migration inspections 0010), fired by
``manage.py workflow_timers``. A running hazard process waited on the removed
timer node (``wait``) or, after a failed firing, on another removed node; each
such process cancels what it waited on and waits at ``idle`` until its hazard is
closed, as every other open hazard's process already does."""

from django.db import migrations
from django.utils import timezone
from viewflow.workflow.status import PROCESS, STATUS

FLOW = "workflows/flows.HazardFlow"
IDLE = f"{FLOW}.idle"
UNFINISHED = [STATUS.NEW, STATUS.ASSIGNED, STATUS.SCHEDULED, STATUS.STARTED, STATUS.ERROR]


def timers_to_idle(apps, schema_editor):
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    now = timezone.now()
    for process in Process.objects.filter(flow_class=FLOW, status=PROCESS.NEW).order_by("pk"):
        unfinished = Task.objects.filter(process=process, status__in=UNFINISHED)
        if unfinished.filter(flow_task=IDLE, status=STATUS.NEW).exists():
            continue
        waited = list(unfinished.values_list("pk", flat=True))
        Task.objects.filter(pk__in=waited).update(status=STATUS.CANCELED, finished=now)
        idle = Task.objects.create(
            process=process, flow_task=IDLE, flow_task_type="FUNCTION", status=STATUS.NEW
        )
        idle.previous.set(waited)


class Migration(migrations.Migration):
    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("inspections", "0010_fill_hazard_next_alarm_at"),
    ]

    operations = [migrations.RunPython(timers_to_idle, migrations.RunPython.noop)]
