"""Advance each process when the domain reports an event (``inspections.signals``)."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from viewflow.workflow import flow
from viewflow.workflow.base import Node
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from inspections.credit.models import CreditCase
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from inspections.signals import credit_changed, hazard_changed, inspection_changed

from . import tasks
from .flows import CreditFlow, HazardFlow, InspectionFlow

# The node each event completes.
NODE_OF_EVENT = {
    "scheduled": InspectionFlow.notify_facility,
    "started": InspectionFlow.on_site,
    "finished": InspectionFlow.record,
}


def process_of(flow_class: type[flow.Flow], artifact: models.Model) -> Process | None:
    return Process.objects.filter(
        flow_class=flow_class,
        artifact_content_type=ContentType.objects.get_for_model(type(artifact)),
        artifact_object_id=artifact.pk,
    ).first()


def _open_task(process: Process, node: Node) -> Task | None:
    return Task.objects.filter(process=process, flow_task=node, status=STATUS.NEW).first()


def _stop(flow_class: type[flow.Flow], process: Process, status: str) -> None:
    """Cancel what the process still waits for (tasks, timers) and end it."""
    with flow_class.lock(process.pk):
        for task in Task.objects.filter(process=process, status__in=[STATUS.NEW, STATUS.SCHEDULED]):
            task.flow_task.activation_class(task).cancel()
        process.status = status
        process.finished = timezone.now()
        process.save()


@receiver(inspection_changed, sender=Inspection)
def follow_inspection(
    sender: type[Inspection], inspection: Inspection, event: str, by: Any = None, **kwargs: Any
) -> None:
    if event == "opened":
        InspectionFlow.start.run(inspection=inspection)
        tasks.follow_inspection(inspection, by)
        if inspection.source_inspection_id:
            # A re-inspection opened: the leads' task to open it is done.
            for hazard in Hazard.objects.filter(
                inspection=inspection.source_inspection_id, status=Hazard.Status.AWAITING
            ):
                tasks.follow_hazard(hazard, by)
        return
    process = process_of(InspectionFlow, inspection)
    if process is None:  # inspections older than their flow have no process
        return
    if event == "cancelled":
        tasks.follow_inspection(inspection, None)
        _stop(InspectionFlow, process, PROCESS.CANCELED)
        return
    node = NODE_OF_EVENT.get(event)
    task = _open_task(process, node) if node is not None else None
    if task is not None:  # re-scheduling finds the notice task already done
        node.run(task)
    tasks.follow_inspection(inspection, by)
    if inspection.status == Inspection.Status.FINISHED and not tasks.still_open(process):
        waiting = _open_task(process, InspectionFlow.follow_up)
        if waiting is not None:
            InspectionFlow.follow_up.run(waiting)


@receiver(hazard_changed, sender=Hazard)
def follow_hazard(
    sender: type[Hazard], hazard: Hazard, event: str, by: Any = None, **kwargs: Any
) -> None:
    """A registered open hazard starts its process; its tasks follow each change;
    closing it ends the process. Its alarms need nothing from here: the domain stored
    the next one with the change."""
    if event == "registered":
        if hazard.is_open:
            HazardFlow.start.run(hazard=hazard)
            tasks.follow_hazard(hazard, by)
        return
    process = process_of(HazardFlow, hazard)
    if process is None:
        return
    tasks.follow_hazard(hazard, by, reinspection_asked=event == "reinspection_requested")
    if hazard.is_open:
        return
    task = _open_task(process, HazardFlow.idle)
    if task is not None:
        HazardFlow.idle.run(task)


@receiver(credit_changed, sender=CreditCase)
def follow_credit(
    sender: type[CreditCase], case: CreditCase, event: str, by: Any = None, **kwargs: Any
) -> None:
    """An opened case starts its process with the county leads' task; the decision or
    its lapse closes the task and ends the process."""
    if event == "opened":
        CreditFlow.start.run(case=case)
        tasks.follow_credit(case, by)
        return
    process = process_of(CreditFlow, case)
    if process is None:
        return
    tasks.follow_credit(case, by)
    if case.is_pending:
        return
    task = _open_task(process, CreditFlow.idle)
    if task is not None:
        CreditFlow.idle.run(task)
