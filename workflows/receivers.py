"""Advance each inspection's process when the domain reports an event."""

from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from inspections.models import Inspection
from inspections.signals import inspection_changed

from .flows import InspectionFlow

# The node each event completes.
NODE_OF_EVENT = {
    "scheduled": InspectionFlow.notify_facility,
    "started": InspectionFlow.on_site,
    "finished": InspectionFlow.record,
}


def process_of(inspection):
    return Process.objects.filter(
        flow_class=InspectionFlow,
        artifact_content_type=ContentType.objects.get_for_model(Inspection),
        artifact_object_id=inspection.pk,
    ).first()


def _open_task(process, node):
    return Task.objects.filter(process=process, flow_task=node, status=STATUS.NEW).first()


@receiver(inspection_changed, sender=Inspection)
def follow_inspection(sender, inspection, event, **kwargs):
    if event == "opened":
        InspectionFlow.start.run(inspection=inspection)
        return
    process = process_of(inspection)
    if process is None:  # inspections older than their flow have no process
        return
    if event == "cancelled":
        with InspectionFlow.lock(process.pk):
            for task in Task.objects.filter(process=process, status=STATUS.NEW):
                task.flow_task.activation_class(task).cancel()
            process.status = PROCESS.CANCELED
            process.finished = timezone.now()
            process.save()
        return
    node = NODE_OF_EVENT.get(event)
    task = _open_task(process, node) if node else None
    if task is not None:  # re-scheduling finds the notice task already done
        node.run(task)
