"""Who may do what in the rectification loop: the one place these rules live.

Each rule is a ``*_refusal(user, obj)`` function that returns why ``user`` may not
act on ``obj`` now (a translated sentence), or None when they may. Services
enforce a rule with ``require`` inside their transaction (on the locked row);
views ask ``allowed`` which buttons to show. Both ask the same function, so the
button and the refusal cannot disagree. Who a user is (their role and scope)
comes from the access module; this module adds the state of the object.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import access
from inspections.hazards.models import Extension, Hazard, Rectification
from inspections.onsite.models import Inspection

RECTIFIABLE = (Hazard.Status.RECTIFYING, Hazard.Status.OVERDUE)


def require(refusal):
    """Raise the refusal as a ValidationError, if there is one."""
    if refusal is not None:
        raise ValidationError(refusal)


def allowed(rule, user, obj):
    return rule(user, obj) is None


def _supervises(user, hazard):
    """A bureau lead whose regions cover the facility (挂牌督办 is the bureau's)."""
    return access.is_lead(user) and access.can_verify(hazard, user)


def _pending_rectification(hazard):
    return hazard.rectifications.filter(decision=Rectification.Decision.PENDING).exists()


# ---------------------------------------------------------------- plans and draws


def plan_manage_refusal(user, plan):
    """Plans and their draws are the bureau's: a lead whose regions hold the plan's
    region (a new plan: the region it is being made for)."""
    region_ok = (
        access.regions_for(user).filter(pk=plan.region_id).exists() if plan.region_id else True
    )
    if not (access.can_lead(user) and region_ok):
        return _("Only a bureau lead of the plan's region manages it and its draws.")
    return None


# ---------------------------------------------------------------- results (一公开)


def review_refusal(user, publication):
    """A bureau lead whose regions cover the facility reviews, publishes, corrects
    and withdraws results."""
    if not (
        access.is_lead(user)
        and access.facilities_for(user).filter(pk=publication.inspection.facility_id).exists()
    ):
        return _("Only a bureau lead of the county reviews results.")
    return None


def resubmit_refusal(user, publication):
    """The inspection's team (or a reviewer) revises a returned result."""
    if review_refusal(user, publication) is None:
        return None
    if not publication.inspection.team.filter(active=True, inspector__user=user).exists():
        return _("Only the inspection's team revises this result.")
    return None


# ---------------------------------------------------------------- the facility's side


def acknowledge_refusal(user, notice):
    if not access.manages(notice.facility, user):
        return _("Only a manager of the facility acknowledges its notice.")
    return None


def rectify_refusal(user, hazard):
    if not access.manages(hazard.facility, user):
        return _("Only a manager of the facility reports its rectification.")
    if hazard.status not in RECTIFIABLE:
        return _("This hazard is not waiting for a rectification.")
    if hazard.severity == Hazard.Severity.MAJOR and not hazard.supervision.plan_filed_at:
        return _("File the five-in-place plan of this major hazard first.")
    return None


def extension_request_refusal(user, hazard):
    if not access.manages(hazard.facility, user):
        return _("Only a manager of the facility asks for an extension.")
    if not hazard.is_open or hazard.status == Hazard.Status.AWAITING:
        return _("This hazard is not being rectified.")
    if timezone.localdate() > hazard.due_on:
        return _("The due date %(date)s has passed: an extension must be asked for before it.") % {
            "date": hazard.due_on.isoformat()
        }
    if hazard.extensions.filter(status=Extension.Status.PENDING).exists():
        return _("An extension request for this hazard is already waiting.")
    return None


def plan_file_refusal(user, supervision):
    if not access.manages(supervision.hazard.facility, user):
        return _("Only a manager of the facility files its plan.")
    if not supervision.hazard.is_open:
        return _("This hazard is closed.")
    if supervision.signed_off_at:
        return _("This supervision is signed off.")
    return None


# ---------------------------------------------------------------- the bureau's side


def verify_refusal(user, hazard):
    if not access.can_verify(hazard, user):
        return _("Only an inspector or bureau lead of the county verifies a fix.")
    if hazard.status != Hazard.Status.AWAITING or not _pending_rectification(hazard):
        return _("No rectification of this hazard is awaiting verification.")
    return None


def reinspection_request_refusal(user, hazard):
    if not access.can_verify(hazard, user):
        return _("Only an inspector or bureau lead of the county verifies a fix.")
    if hazard.status != Hazard.Status.AWAITING or hazard.inspection_id is None:
        return _("No rectification of this hazard is awaiting verification.")
    return None


def reinspection_open_refusal(user, source):
    """Opening an on-site re-inspection (复查) after ``source`` is a bureau lead's decision."""
    if not (access.is_lead(user) and access.facilities_for(user).filter(pk=source.facility_id)):
        return _("Only a bureau lead of the county opens a re-inspection.")
    if not Hazard.objects.filter(facility=source.facility_id, status__in=Hazard.OPEN).exists():
        return _("The facility has no open hazard to re-check.")
    if source.status != Inspection.Status.FINISHED:
        return _("Only a finished inspection is followed by a re-inspection.")
    return None


def case_open_refusal(user, facility):
    """A complaint or lead becomes a case inspection by the bureau's decision."""
    if not (access.is_lead(user) and access.facilities_for(user).filter(pk=facility.pk)):
        return _("Only a bureau lead of the county opens a case-triggered inspection.")
    return None


def self_open_refusal(user, facility):
    if not access.manages(facility, user):
        return _("Only a manager of the facility inspects it itself.")
    return None


def extension_decide_refusal(user, extension):
    if not _supervises(user, extension.hazard):
        return _("Only a bureau lead of the county decides on an extension.")
    if extension.status != Extension.Status.PENDING:
        return _("This extension request was already decided.")
    return None


def note_add_refusal(user, supervision):
    hazard = supervision.hazard
    if not (access.manages(hazard.facility, user) or _supervises(user, hazard)):
        return _("Only the facility or a bureau lead of the county writes here.")
    if supervision.signed_off_at or not hazard.is_open:
        return _("This supervision is signed off.")
    return None


def awaiting_sign_off(hazard):
    """A major hazard's fix was accepted and nothing newer waits: the lead signs off."""
    return (
        hazard.status == Hazard.Status.AWAITING
        and not _pending_rectification(hazard)
        and hazard.rectifications.filter(decision=Rectification.Decision.ACCEPTED).exists()
    )


def sign_off_refusal(user, supervision):
    if not _supervises(user, supervision.hazard):
        return _("Only a bureau lead of the county signs off a major hazard.")
    if not awaiting_sign_off(supervision.hazard):
        return _("Only a hazard whose fix was verified can be signed off.")
    return None


# ---------------------------------------------------------------- credit


def _leads_county(user, facility):
    """A bureau lead whose regions cover the facility: credit decisions are the county's."""
    return access.is_lead(user) and access.facilities_for(user).filter(pk=facility.pk).exists()


def credit_decide_refusal(user, case):
    if not _leads_county(user, case.facility):
        return _("Only a bureau lead of the county decides on a facility's credit.")
    if not case.is_pending:
        return _("This case was already decided.")
    return None


def credit_record_refusal(user, facility):
    if not _leads_county(user, facility):
        return _("Only a bureau lead of the county records credit events.")
    return None


def credit_event_withdraw_refusal(user, event):
    if not _leads_county(user, event.facility):
        return _("Only a bureau lead of the county withdraws a credit event.")
    if event.withdrawn:
        return _("This event was already withdrawn.")
    if not event.key.startswith("manual:"):
        # The others follow their source: an error there is corrected at the source,
        # or by the facility's objection.
        return _("Only an event recorded by hand can be withdrawn; object to the others.")
    return None


def credit_object_refusal(user, event):
    if not access.manages(event.facility, user):
        return _("Only a manager of the facility objects to its credit events.")
    if event.withdrawn:
        return _("This event was withdrawn and no longer counts.")
    if event.objections.filter(status="pending").exists():
        return _("An objection to this event is already waiting for the lead.")
    return None


def credit_repair_refusal(user, entry, *, wait_days):
    """Credit repair (信用修复): the causes rectified and the waiting period over."""
    if not access.manages(entry.facility, user):
        return _("Only a manager of the facility applies for credit repair.")
    if not entry.active:
        return _("The facility is no longer on this list.")
    if (
        entry.exit_case is not None
        or entry.facility.credit_cases.filter(
            kind="repair", list_name=entry.list_name, status="pending"
        ).exists()
    ):
        return _("An application for credit repair is already waiting for the lead.")
    ready_on = entry.entered_on + timedelta(days=wait_days)
    if timezone.localdate() < ready_on:
        return _("Credit repair can be asked for from %(date)s, when the waiting period ends.") % {
            "date": ready_on.isoformat()
        }
    if Hazard.objects.filter(facility=entry.facility, status__in=Hazard.OPEN).exists():
        return _("Every hazard of the facility must be closed before credit repair.")
    return None
