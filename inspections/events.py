"""What happens when an inspection finishes, in order.

``inspection_finish`` (``inspections.onsite.services``) does on-site's own part: it
checks the record is complete, scores it and stamps it finished. It then announces
one :class:`InspectionFinished`, and the later sub-domains react to it in the order
``REACTIONS`` lists:

1. ``hazards.reactions.register_found_hazards``: each failed item that makes a
   hazard is registered (挂号). Registering a major hazard puts it under supervision
   (挂牌督办) at once, as ``hazard_register`` does for any major hazard, and each new
   hazard still open starts its flow. Every later step reads these hazards.
2. ``hazards.reactions.issue_notice``: one rectification notice (整改通知书) lists this
   inspection's hazards still to fix (not those corrected on the spot, nor those a
   facility found itself and is already fixing).
3. ``hazards.reactions.apply_rechecks``: the re-checks of earlier hazards decide
   their pending fixes (or close a general one found fixed).
4. ``publication.reactions.open_result``: the result waits for a lead's review. After
   the re-checks, because the proposed result category depends on what is still open.
5. ``events.tell_managers``: the facility's managers hear an official inspection's
   result.
6. ``duties.services.complete_from_self_inspection``: a finished self-inspection
   completes the facility's self-inspection duty (自查自改) it fulfils.
7. ``events.tell_flows``: ``inspection_changed`` ("finished") moves the inspection's
   flow on (``workflows.receivers``). Last, so that what the flow and the managers
   are told about is complete: hazards, notice, re-checks and the result's review.

The reactions are named by dotted path and imported when the event is announced, so
on-site imports none of the sub-domains that follow it; the order is this list and
nothing else (not the import order of signal receivers).

Every reaction runs in the finishing transaction, one after the other, and none opens
a transaction of its own that commits: when one fails, the exception reaches
``inspection_finish`` and the whole finish is rolled back (the inspection stays under
way, no hazard, notice or publication remains, and no e-mail is sent, since e-mails
wait for the commit).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from checklists.models import Item
from inspections.common import notify_managers
from inspections.onsite.models import Answer, Inspection, InspectionChecklist
from inspections.signals import inspection_changed
from registry.models import User


@dataclass(frozen=True)
class FailedItem:
    """An item answered as failed whose failure makes a hazard."""

    checklist: InspectionChecklist
    item: Item
    answer: Answer

    @property
    def deadline_days(self) -> int:
        """The deadline the team set on site, or the item's own."""
        if self.answer.deadline_days is None:
            return self.item.deadline_days
        return self.answer.deadline_days

    @property
    def description(self) -> str:
        """What the hazard is registered as: the team's note, or the item's question."""
        return self.answer.note or self.item.question


def found_on(inspection: Inspection) -> date:
    """The day an inspection's hazards are found: the day it started on site."""
    return timezone.localdate(inspection.started_at)


@dataclass(frozen=True)
class InspectionFinished:
    """An inspection was scored and stamped finished by ``by``; ``failed_items`` are
    the hazards it found, in checklist order."""

    inspection: Inspection
    by: User
    failed_items: tuple[FailedItem, ...]


REACTIONS: tuple[str, ...] = (
    "inspections.hazards.reactions.register_found_hazards",
    "inspections.hazards.reactions.issue_notice",
    "inspections.hazards.reactions.apply_rechecks",
    "inspections.publication.reactions.open_result",
    "inspections.events.tell_managers",
    "inspections.duties.services.complete_from_self_inspection",
    "inspections.events.tell_flows",
)


def announce(event: InspectionFinished) -> None:
    """Run every reaction to ``event`` in the order of ``REACTIONS``, inside the
    caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction each reaction would commit on its own: a failure
        # would leave a finished inspection with half its consequences.
        raise RuntimeError("An inspection's finish is announced inside its transaction.")
    for path in REACTIONS:
        reaction: Callable[[InspectionFinished], None] = import_string(path)
        reaction(event)


def tell_managers(event: InspectionFinished) -> None:
    """The facility's managers hear an official inspection's result (a
    self-inspection is their own)."""
    inspection = event.inspection
    if inspection.is_self:
        return
    notify_managers(
        facility=inspection.facility,
        text=_("The inspection of %(facility)s is finished: %(result)s.")
        % {"facility": inspection.facility.name, "result": inspection.get_result_display()},
        url=inspection.get_absolute_url(),
        by=event.by,
    )


def tell_flows(event: InspectionFinished) -> None:
    """The inspection's flow completes its record step (``workflows.receivers``)."""
    inspection_changed.send(
        sender=Inspection, inspection=event.inspection, event="finished", by=event.by
    )
