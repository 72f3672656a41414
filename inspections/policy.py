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
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import access
from inspections.duties.models import Duty, DutyRule
from inspections.hazards.models import Extension, Hazard, Rectification
from inspections.onsite.models import Inspection, TeamMember
from registry.models import InspectorProfile

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
    if refusal := department_verifier_refusal(user, hazard):
        return refusal
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


# ---------------------------------------------------------------- enforcement cases (立案/移送)


def _case_state_refusal(case):
    if case.status == "closed":
        return _("This case is closed.")
    return None


def enforcement_case_refusal(user, facility):
    """Cases, transfers and penalties are the bureau's: a lead whose regions cover the
    facility opens and runs them."""
    if not _leads_county(user, facility):
        return _("Only a bureau lead of the county handles enforcement cases.")
    return None


def case_decide_refusal(user, case):
    if refusal := enforcement_case_refusal(user, case.facility):
        return refusal
    if case.status != "open":
        return _("This case was already decided.")
    return None


def case_close_refusal(user, case):
    return enforcement_case_refusal(user, case.facility) or _case_state_refusal(case)


def transfer_send_refusal(user, case):
    return enforcement_case_refusal(user, case.facility) or _case_state_refusal(case)


def transfer_receive_refusal(user, transfer):
    if refusal := enforcement_case_refusal(user, transfer.case.facility):
        return refusal
    if transfer.status != "sent":
        return _("The receipt of this transfer is already recorded.")
    return None


def transfer_answer_refusal(user, transfer):
    if refusal := enforcement_case_refusal(user, transfer.case.facility):
        return refusal
    if transfer.status == "answered":
        return _("The feedback of this transfer is already recorded.")
    return None


def penalty_record_refusal(user, case):
    return enforcement_case_refusal(user, case.facility)


def penalty_withdraw_refusal(user, penalty):
    if refusal := enforcement_case_refusal(user, penalty.facility):
        return refusal
    if penalty.withdrawn_at:
        return _("This penalty was already withdrawn.")
    return None


# ---------------------------------------------------------------- supervision of lower levels


def level_action_refusal(user, action):
    """A 约谈 or 通报 of a lower region's bureau (``action``, not yet saved) is recorded
    by a bureau lead of the issuing region, and addresses a region below it."""
    issuer, target = action.issuer_region, action.target_region
    if not any(region.pk == issuer.pk for region in access.level_issuer_regions(user)):
        return _("Only a bureau lead of %(region)s speaks for its bureau.") % {
            "region": issuer.name
        }
    if target.pk == issuer.pk or not target.path.startswith(issuer.path):
        return _("%(target)s is not a region below %(issuer)s.") % {
            "target": target.name,
            "issuer": issuer.name,
        }
    return None


# ---------------------------------------------------------------- control orders


def control_order_issue_refusal(user, source):
    """A control order is issued on the spot by a member of the team of an official
    inspection under way at the facility (``source`` the inspection), or by a bureau
    lead of the county (``source`` the facility or the inspection)."""
    facility = source.facility if isinstance(source, Inspection) else source
    if _leads_county(user, facility):
        return None
    if (
        isinstance(source, Inspection)
        and source.kind != Inspection.Kind.SELF
        and source.team.filter(active=True, inspector__user=user).exists()
    ):
        if source.status != Inspection.Status.IN_PROGRESS:
            return _(
                "The team issues a control order on the spot, while the inspection is under way."
            )
        return None
    return _(
        "Only the inspection team on site or a bureau lead of the county issues a control order."
    )


def control_order_acknowledge_refusal(user, order):
    if not access.manages(order.facility, user):
        return _("Only a manager of the facility signs for its control order.")
    if order.acknowledged_at:
        return _("The facility has already signed for this order.")
    if not order.in_force:
        return _("This order was lifted.")
    return None


def lifting_inspections(order):
    """Inspections that may lift ``order``: official ones of its facility, finished, that
    started on site after it was issued (a self-inspection verifies nothing)."""
    return (
        Inspection.objects.filter(
            facility_id=order.facility_id,
            status=Inspection.Status.FINISHED,
            started_at__gt=order.issued_at,
        )
        .exclude(kind=Inspection.Kind.SELF)
        .order_by("-finished_at", "-pk")
    )


def _lift_who():
    return _("Only a bureau lead of the county or the re-inspection's team lifts a control order.")


def control_order_lift_refusal(user, order, inspection=None):
    """Lifting follows verification on site: a bureau lead of the county, or a member of
    the re-inspection's team. Without ``inspection``: whether ``user`` may lift it with
    any eligible re-inspection (the page's form)."""
    if not order.in_force:
        return _("This order was already lifted.")
    if inspection is None:
        eligible = lifting_inspections(order)
        if not eligible.exists():
            return _(
                "A control order is lifted only after a re-inspection on site: none has "
                "finished since it was issued."
            )
        if (
            _leads_county(user, order.facility)
            or eligible.filter(team__active=True, team__inspector__user=user).exists()
        ):
            return None
        return _lift_who()
    if inspection.facility_id != order.facility_id:
        return _("The re-inspection must be of the facility under the order.")
    if inspection.kind == Inspection.Kind.SELF:
        return _(
            "A self-inspection cannot lift a control order: only an official re-inspection "
            "on site can."
        )
    if inspection.status != Inspection.Status.FINISHED:
        return _("Only a finished re-inspection on site lifts a control order.")
    if not inspection.started_at or inspection.started_at <= order.issued_at:
        return _("The re-inspection must have started on site after the order was issued.")
    if not (
        _leads_county(user, order.facility)
        or inspection.team.filter(active=True, inspector__user=user).exists()
    ):
        return _lift_who()
    return None


# ---------------------------------------------------------------- hazards as found


def _on_team(user, inspection):
    """An active inspector of ``inspection``'s team."""
    return (
        inspection is not None
        and access.is_inspector(user)
        and inspection.team.filter(active=True, inspector__user=user).exists()
    )


def _determines(user, hazard):
    """The team that found the hazard, or a bureau lead whose regions cover the facility."""
    return _on_team(user, hazard.inspection) or _supervises(user, hazard)


def hazard_add_refusal(user, inspection):
    """A hazard no checklist item names is registered on site by the team at work."""
    if not access.can_work_on(inspection, user):
        return _("Only the inspection team registers a hazard found on site.")
    if inspection.status != Inspection.Status.IN_PROGRESS:
        return _("The inspection is not under way: a hazard is registered here on site.")
    return None


def hazard_raise_refusal(user, hazard):
    """情节严重的按重大: the team that found it, or a lead of the county, raises it."""
    if not _determines(user, hazard):
        return _(
            "Only the team that found the hazard or a bureau lead of the county raises it to major."
        )
    if hazard.severity != Hazard.Severity.GENERAL:
        return _("This hazard is already major.")
    if not hazard.is_open:
        return _("This hazard is closed: only an open hazard is raised to major.")
    return None


def determination_record_refusal(user, hazard):
    if not _determines(user, hazard):
        return _(
            "Only the team that found the hazard or a bureau lead of the county records "
            "how it was determined."
        )
    if hazard.severity != Hazard.Severity.MAJOR:
        return _("Only a major hazard records how it was determined.")
    if Hazard.objects.filter(pk=hazard.pk, determination__isnull=False).exists():
        return _("How this hazard was determined is already recorded.")
    return None


# ---------------------------------------------------------------- escalation ladder and 约谈


def escalation_skip_refusal(user, hazard):
    """Skipping ahead on the ladder is a county lead's decision, while the hazard is open."""
    if not _leads_county(user, hazard.facility):
        return _("Only a bureau lead of the county skips ahead on the escalation ladder.")
    if not hazard.is_open:
        return _("This hazard is closed: its escalation ladder has ended.")
    return None


def interview_record_refusal(user, facility):
    """约谈 of a facility's legal representative is held and recorded by a county lead."""
    if not _leads_county(user, facility):
        return _("Only a bureau lead of the county records an interview.")
    return None


# ---------------------------------------------------------------- the facility's own duties


def duty_rule_refusal(user, region):
    """Duty rules are set by a bureau lead for a region within their scope."""
    if not (access.is_lead(user) and access.regions_for(user).filter(pk=region.pk).exists()):
        return _("Only a bureau lead of the region sets its duty rules.")
    return None


def _duty_open_refusal(user, duty):
    if not access.manages(duty.facility, user):
        return _("Only a manager of the facility records its duties.")
    if duty.status != Duty.Status.OPEN:
        return _("This duty is already done.")
    return None


def duty_log_refusal(user, duty):
    """A manager of the facility records the log of an open log duty."""
    refusal = _duty_open_refusal(user, duty)
    if refusal is None and duty.kind == DutyRule.Kind.SELF_INSPECTION:
        return _("A self-inspection duty is done by finishing the self-inspection.")
    return refusal


def duty_finish_refusal(user, duty):
    """A night patrol log is marked complete once it has at least one round."""
    refusal = duty_log_refusal(user, duty)
    if refusal is not None:
        return refusal
    if duty.kind != DutyRule.Kind.NIGHT_PATROL:
        return _("Only a night patrol log is marked complete.")
    if not any(log.entries for log in duty.logs.all()):
        return _("Record at least one patrol round before marking the log complete.")
    return None


def duty_self_start_refusal(user, duty):
    """A manager starts the self-inspection of an open self-inspection duty, once
    (a cancelled one may be started again)."""
    refusal = _duty_open_refusal(user, duty)
    if refusal is not None:
        return refusal
    if duty.kind != DutyRule.Kind.SELF_INSPECTION:
        return _("Only a self-inspection duty starts a self-inspection.")
    if duty.inspection_id and duty.inspection.status == Inspection.Status.IN_PROGRESS:
        return _("The self-inspection of this duty is already under way.")
    if duty.rule.checklist is None or duty.rule.checklist.current_version is None:
        return _("The duty rule has no published checklist: ask the bureau to choose one.")
    return None


# ---------------------------------------------------------------- joint inspections (部门联合抽查)


def checklist_answer_refusal(user, checklist):
    """In a joint inspection each department's inspectors answer (and photograph) the
    items of their own department's checklists; the others see them read-only. A
    checklist without a department is anyone's on the team (whether ``user`` works on
    the inspection at all is ``access.can_work_on``)."""
    if checklist.department_id is None:
        return None
    if TeamMember.objects.filter(
        inspection_id=checklist.inspection_id,
        active=True,
        inspector__user=user,
        department_id=checklist.department_id,
    ).exists():
        return None
    return _("Only the inspectors of %(department)s answer the items of “%(checklist)s”.") % {
        "department": checklist.department.name,
        "checklist": checklist.version.template.title,
    }


def department_verifier_refusal(user, hazard):
    """A hazard a joint inspection found is verified by its verifying department's
    inspectors (the answering department or its delegate); a bureau lead keeps the
    power leads have. A hazard without one is any verifier's of the county."""
    department_id = hazard.verifying_department_id
    if department_id is None or access.is_lead(user):
        return None
    if InspectorProfile.objects.filter(user=user, department_id=department_id).exists():
        return None
    return _("Only the inspectors of %(department)s verify the fix of this hazard.") % {
        "department": hazard.verifying_department.name
    }


def department_verifier_q(user, path="hazard"):
    """``department_verifier_refusal`` as a filter: the rows (whose hazard is reached
    through ``path``) whose hazard ``user`` may verify as far as its verifying
    department goes, for lists such as the inbox."""
    if access.is_lead(user):
        return Q()
    field = f"{path}__verifying_department"
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__in": InspectorProfile.objects.filter(user=user).values("department")}
    )


# ---------------------------------------------------------------- complaints (投诉举报)


def complaint_record_refusal(user, region):
    """A complaint received by phone, letter or visit is written down by the county's
    leads and inspectors."""
    if not (
        access.can_record_complaints(user)
        and not access.is_admin(user)
        and access.regions_for(user).filter(pk=region.pk).exists()
    ):
        return _("Only the county's bureau leads and inspectors record complaints.")
    return None


def complaint_triage_refusal(user, complaint):
    if not access.shows_complainant(user, complaint):
        return _("Only a bureau lead of the county triages a complaint.")
    if complaint.status != "received":
        return _("This complaint was already triaged.")
    return None


def complaint_reply_refusal(user, complaint):
    if not access.shows_complainant(user, complaint):
        return _("Only a bureau lead of the county replies to a complaint.")
    if complaint.status == "received":
        return _("Triage the complaint before recording the reply.")
    if not complaint.is_open:
        return _("This complaint was already answered.")
    return None


# ---------------------------------------------------------------- incidents (突发事件)


def incident_report_refusal(user, facility):
    """The facility reports its own incidents to the bureau."""
    if not access.manages(facility, user):
        return _("Only a manager of the facility reports its incidents.")
    return None


def incident_follow_up_refusal(user, incident):
    """Follow-ups (续报) by the facility's managers or a bureau lead of the county, until
    the final report closes the incident."""
    if not (access.manages(incident.facility, user) or _leads_county(user, incident.facility)):
        return _("Only the facility's managers or a bureau lead of the county add follow-ups.")
    if incident.status == "closed":
        return _("This incident is closed: its final report was made.")
    return None
