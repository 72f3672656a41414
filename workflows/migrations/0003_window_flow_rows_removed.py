"""The hourly flow that only called the plan-window sweep is gone (the dispatcher calls
the sweep itself): its processes and tasks, which no page read, are removed."""

from django.db import migrations

WINDOW_FLOW = "workflows/flows.WindowFlow"


def remove_window_flow_rows(apps, schema_editor):
    Process = apps.get_model("viewflow", "Process")
    Task = apps.get_model("viewflow", "Task")
    Task.objects.filter(process__flow_class=WINDOW_FLOW).delete()
    Process.objects.filter(flow_class=WINDOW_FLOW).delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0002_task_scope_and_task_history")]

    operations = [migrations.RunPython(remove_window_flow_rows, migrations.RunPython.noop)]
