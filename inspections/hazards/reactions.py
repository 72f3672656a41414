"""How the hazards sub-domain follows a finished inspection: register what failed,
issue the rectification notice, decide the re-checks. ``inspections.events`` runs
them, in that order, inside the finishing transaction."""

from typing import cast

from django.utils.translation import gettext as _

from core.audited import save_with_history
from inspections import policy
from inspections.common import _user
from inspections.events import InspectionFinished, found_on
from inspections.hazards.models import Hazard, Rectification
from inspections.hazards.services import (
    emit_hazard,
    hazard_register,
    notice_issue,
    rectification_verify,
    verifying_department,
)
from inspections.onsite.models import Inspection, Recheck

# The source a hazard is registered under, by the kind of inspection that found it.
SOURCE_OF_KIND: dict[str, str] = {
    Inspection.Kind.SPECIAL: Hazard.Source.SPECIAL,
    Inspection.Kind.CASE: Hazard.Source.CASE,
    Inspection.Kind.SELF: Hazard.Source.SELF,
}


def hazard_source(inspection: Inspection) -> str:
    """The source a hazard found by ``inspection`` is registered under; a
    re-inspection's is that of the inspection it follows."""
    kind = inspection.kind
    source = inspection.source_inspection if kind == Inspection.Kind.REINSPECTION else None
    if source is not None:
        kind = source.kind
    return SOURCE_OF_KIND.get(kind, Hazard.Source.ROUTINE)


def register_found_hazards(event: InspectionFinished) -> None:
    """Register each failed item that makes a hazard, found on the day the
    inspection started, with the deadline the team set (or the item's)."""
    inspection, by = event.inspection, event.by
    # The finish page's preview (onsite.selectors.conclusion_preview) reads the same
    # day and the same FailedItem properties: what it shows is what is registered.
    day = found_on(inspection)
    for failed in event.failed_items:
        item, answer = failed.item, failed.answer
        template = failed.checklist.version.template
        hazard_register(
            facility=inspection.facility,
            inspection=inspection,
            answer=answer,
            item=item,
            severity=item.hazard,
            source=hazard_source(inspection),
            self_reported=inspection.is_self,
            description=failed.description,
            location=answer.location,
            department=template.department,
            # A joint inspection's hazard is verified by its department (or delegate).
            verifying_department=verifying_department(inspection, failed.checklist.department),
            category=template.category,
            found_on=day,
            deadline_days=failed.deadline_days,
            corrected_on_spot=answer.corrected,
            by=by,
        )


def issue_notice(event: InspectionFinished) -> None:
    """One notice lists the hazards the inspection registered that wait for the
    facility to fix them (those of failed items, and those the team registered on site
    that no item names); none when there are none."""
    to_fix = list(
        event.inspection.hazards.filter(status=Hazard.Status.REGISTERED, notice=None).order_by("pk")
    )
    if to_fix:
        notice_issue(inspection=event.inspection, hazards=to_fix, by=event.by)


def apply_rechecks(event: InspectionFinished) -> None:
    """Re-checks on site decide what waits for verification; a general hazard found
    fixed is closed by the re-checking inspectors even without a submitted fix.
    A self-inspection re-checks nothing."""
    inspection, by = event.inspection, event.by
    if inspection.is_self:
        return
    for answer in inspection.answers.exclude(rechecked_hazard=None).select_related(
        "rechecked_hazard"
    ):
        hazard = cast(Hazard, answer.rechecked_hazard)  # re-check answers only: never None
        if hazard.status == Hazard.Status.AWAITING and hazard.rectifications.filter(
            decision=Rectification.Decision.PENDING
        ):
            # A joint inspection's hazard is its verifying department's: the re-check
            # decides through whoever of the two (finisher, re-checker) may verify it,
            # else the fix waits for that department in the inbox.
            verifier = next(
                (
                    user
                    for user in (by, answer.answered_by)
                    if policy.allowed(policy.verify_refusal, user, hazard)
                ),
                None,
            )
            if verifier is None:
                continue
            fixed = answer.value == Recheck.FIXED
            rectification_verify(
                hazard=hazard,
                accept=fixed,
                by=verifier,
                reason=""
                if fixed
                else _("Re-check on site (%(inspection)s): %(result)s. %(note)s")
                % {
                    "inspection": inspection.pk,
                    "result": Recheck(answer.value).label,
                    "note": answer.note,
                },
            )
        elif (
            answer.value == Recheck.FIXED
            and hazard.severity == Hazard.Severity.GENERAL
            and hazard.status
            in (Hazard.Status.REGISTERED, Hazard.Status.RECTIFYING, Hazard.Status.OVERDUE)
        ):
            hazard.close_on_recheck(by=_user(by), at=inspection.finished_at)
            save_with_history(hazard, by=by)
            emit_hazard(hazard, "changed", by)
