"""Advance each process when the domain reports an event (``inspections.signals``)."""

from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from inspections.hazards import alarms
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from inspections.signals import hazard_changed, inspection_changed

from .flows import HazardFlow, InspectionFlow

# The node each event completes.
NODE_OF_EVENT = {
    "scheduled": InspectionFlow.notify_facility,
    "started": InspectionFlow.on_site,
    "finished": InspectionFlow.record,
}


def process_of(flow_class, artifact):
    return Process.objects.filter(
        flow_class=flow_class,
        artifact_content_type=ContentType.objects.get_for_model(type(artifact)),
        artifact_object_id=artifact.pk,
    ).first()


def _open_task(process, node):
    return Task.objects.filter(process=process, flow_task=node, status=STATUS.NEW).first()


def _stop(flow_class, process, status):
    """Cancel what the process still waits for (tasks, timers) and end it."""
    with flow_class.lock(process.pk):
        for task in Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.SCHEDULED]):
            task.flow_task.activation_class(task).cancel()
        process.status = status
        process.finished = timezone.now()
        process.save()


@receiver(inspection_changed, sender=Inspection)
def follow_inspection(sender, inspection, event, **kwargs):
    if event == "opened":
        InspectionFlow.start.run(inspection=inspection)
        return
    process = process_of(InspectionFlow, inspection)
    if process is None:  # inspections older than their flow have no process
        return
    if event == "cancelled":
        _stop(InspectionFlow, process, PROCESS.CANCELED)
        return
    node = NODE_OF_EVENT.get(event)
    task = _open_task(process, node) if node else None
    if task is not None:  # re-scheduling finds the notice task already done
        node.run(task)


@receiver(hazard_changed, sender=Hazard)
def follow_hazard(sender, hazard, event, **kwargs):
    if event == "registered":
        if hazard.is_open:
            HazardFlow.start.run(hazard=hazard)
        return
    process = process_of(HazardFlow, hazard)
    if process is None or process.status != PROCESS.NEW:
        return
    if not hazard.is_open:
        _stop(HazardFlow, process, PROCESS.DONE)
        return
    # An idle process plans its next alarm again; a waiting timer is moved to the
    # next alarm (a rejected fix can bring the overdue mark before a monthly reminder).
    task = _open_task(process, HazardFlow.idle)
    if task is not None:
        HazardFlow.idle.run(task)
        return
    alarm = alarms.hazard_next_alarm(hazard)
    with HazardFlow.lock(process.pk):
        timer = Task.objects.filter(
            process=process, flow_task=HazardFlow.wait, status=STATUS.SCHEDULED
        ).first()
        if timer is not None and alarm is not None and timer.scheduled != alarm.at:
            timer.scheduled = alarm.at
            timer.save(update_fields=["scheduled"])
