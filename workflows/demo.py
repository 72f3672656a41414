"""Demo data: the inspections demo dates some records back directly (a result due
sooner, an inspection finished earlier) to show every state; the tasks are brought in
line with what it left, as the services would have."""

from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS

from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection

from . import tasks


def seed(log):
    open_processes = Process.objects.exclude(status__in=[PROCESS.DONE, PROCESS.CANCELED])
    followed = 0
    for process in open_processes.select_related("artifact_content_type"):
        artifact = process.artifact
        if isinstance(artifact, Inspection):
            tasks.follow_inspection(artifact, None)
        elif isinstance(artifact, Hazard):
            tasks.follow_hazard(artifact, None)
        else:
            continue
        followed += 1
    log(f"tasks: {followed} processes followed, {tasks.open_count()} tasks open")
