"""The access module for supervision objects, on top of ``registry.access``.

Registry cannot import inspections (data flows one way), so the scopers for
plans, draws and inspections live here and re-export the registry's; views of
inspections and later rooms import this module only.
"""

from django.db.models import Q
from django.http import Http404

from inspections.complaints.models import Complaint
from inspections.credit.models import CreditCase, CreditEvent, ListEntry
from inspections.duties.models import Duty, DutyRule, Incident
from inspections.enforcement.models import (
    ControlOrder,
    Determination,
    EnforcementCase,
    Interview,
    LevelAction,
    Penalty,
    Transfer,
)
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection, Photo, TeamMember
from inspections.planning.models import Draw, Plan
from inspections.publication.models import PUBLIC, Publication
from registry.access import (  # noqa: F401  (re-exported)
    EVERYONE,
    REGION_ROLES,
    STAFF,
    Role,
    active_leads,
    administrators,
    auditor_required,
    can_lead,
    can_read_history,
    can_read_staff_pages,
    can_see_conflicts,
    can_use_app,
    facilities_for,
    facility_for_user,
    has_role,
    inspector_for_user,
    inspectors_for,
    is_admin,
    is_every_region,
    is_inspector,
    is_lead,
    is_manager,
    lead_required,
    manager_required,
    member_required,
    own_regions,
    region_for_user,
    region_ids_for,
    region_q,
    regions_for,
    role_required,
    staff_required,
)
from registry.models import Facility


def plans_for(user):
    """Plans owned by a region within the user's scope (managers see none)."""
    if is_admin(user):
        return Plan.objects.all()
    if user.is_authenticated and user.role in REGION_ROLES:
        return Plan.objects.filter(region_q(user))
    return Plan.objects.none()


def plan_for_user(user, pk):
    try:
        return plans_for(user).select_related("region", "lead_department").get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def undisclosed_draws():
    """Draws of unannounced plans that name facilities before any visit can be known:
    drawn (not merely frozen: a frozen draw names no one) and not yet revealed."""
    return (
        Draw.objects.filter(plan__notice=Plan.Notice.UNANNOUNCED)
        .exclude(status=Draw.Status.FROZEN)
        .exclude(pk__in=Draw.objects.revealed().values("pk"))
    )


def draws_for(user):
    """Draws of plans in the user's regions; auditors, outside the visit like the
    facility, see an unannounced draw only once it is revealed."""
    if is_admin(user):
        return Draw.objects.all()
    if not user.is_authenticated or user.role not in REGION_ROLES:
        return Draw.objects.none()
    draws = Draw.objects.filter(region_q(user, "plan__region"))
    if user.role == Role.AUDITOR:
        draws = draws.exclude(pk__in=undisclosed_draws().values("pk"))
    return draws


def draw_for_user(user, pk):
    try:
        return draws_for(user).select_related("plan").get(pk=pk)
    except (Draw.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def undisclosed_inspections():
    """Unannounced inspections still waiting to happen. The facility must not be
    able to tell it was drawn (or complained about), so its managers do not see
    them, nor do auditors, whose pages and history browser are not part of the
    visit; both see them once the visit starts (or is called off)."""
    return Inspection.objects.filter(unannounced=True, status=Inspection.Status.SCHEDULED)


def inspection_q(user, via=""):
    """The rule of ``inspections_for``, as a Q over rows that reach an inspection
    through ``via`` (``"inspection__"`` for results, tasks): the scope is then a join
    on the row's own key, so a list filtered on its own columns first (the few results
    waiting for review) checks the scope of those rows only, instead of reading every
    inspection of a province before it starts.

    Inspectors see those they are on the team of; leads those of facilities in
    their regions; auditors the same but the undisclosed ones; managers their
    facilities' inspections but the undisclosed ones.
    """
    if is_admin(user):
        return Q()
    if not user.is_authenticated:
        return Q(**{f"{via}pk__in": []})
    if user.role == Role.INSPECTOR:
        # Only active members: an inspector replaced (e.g. for a conflict) loses access.
        teams = TeamMember.objects.filter(inspector__user=user, active=True)
        return Q(**{f"{via}pk__in": teams.values("inspection_id")})
    hidden = ~Q(**{f"{via}pk__in": undisclosed_inspections().values("pk")})
    if user.role == Role.LEAD:
        return region_q(user, f"{via}facility__region")
    if user.role == Role.AUDITOR:
        return region_q(user, f"{via}facility__region") & hidden
    if user.role == Role.MANAGER:
        return Q(**{f"{via}facility__managers": user}) & hidden
    return Q(**{f"{via}pk__in": []})


def inspections_for(user):
    """Inspections the user may see (``inspection_q``)."""
    if is_admin(user):
        return Inspection.objects.all()
    return Inspection.objects.filter(inspection_q(user))


def inspection_for_user(user, pk):
    try:
        return inspections_for(user).select_related("facility", "plan").get(pk=pk)
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def has_field_work(user):
    """Inspectors and facility managers have visits to do; their list leads with them."""
    return is_inspector(user) or is_manager(user)


def may_see_case_source(user):
    """Who complained (a case inspection's source) is not the facility's business."""
    return user.is_authenticated and not is_manager(user)


def can_work_on(inspection, user, team=None):
    """Whether ``user`` may answer, photograph, sign and finish ``inspection``: an
    active team member, or for a self-inspection a manager of the facility. ``team``:
    the inspection's members as the caller has just read them (with their inspector),
    to answer without a query of its own."""
    if not user.is_authenticated:
        return False
    if inspection.kind == Inspection.Kind.SELF:
        return (
            user.role == Role.MANAGER and inspection.facility.managers.filter(pk=user.pk).exists()
        )
    if user.role != Role.INSPECTOR:
        return False
    if team is not None:
        return any(member.active and member.inspector.user_id == user.pk for member in team)
    return inspection.team.filter(active=True, inspector__user=user).exists()


def hazards_for(user):
    """Hazards of the facilities the user may see; managers never see those of an
    unannounced inspection that has not started (there are none before it starts)."""
    if is_admin(user):
        return Hazard.objects.all()
    if not user.is_authenticated:
        return Hazard.objects.none()
    if user.role == Role.INSPECTOR:
        return Hazard.objects.filter(facility__in=_inspected_by(user))
    return Hazard.objects.filter(facility__in=facilities_for(user))


def hazard_for_user(user, pk):
    try:
        return hazards_for(user).select_related("facility__region", "notice").get(pk=pk)
    except (Hazard.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _inspected_by(user):
    """Facilities the inspector is (or was) sent to: their open hazards are re-checked."""
    return Inspection.objects.filter(team__inspector__user=user, team__active=True).values(
        "facility"
    )


def photos_for(user):
    """Evidence photos: those of inspections the user may see, and those attached
    to hazards the user may see."""
    if is_admin(user):
        return Photo.objects.all()
    if not user.is_authenticated:
        return Photo.objects.none()
    return Photo.objects.filter(
        Q(inspection__in=inspections_for(user).values("pk"))
        | Q(hazard__in=hazards_for(user).values("pk"))
    )


def photo_for_user(user, pk):
    try:
        return photos_for(user).select_related("facility").get(pk=pk)
    except (Photo.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def manages(facility, user):
    """Whether ``user`` is a manager of ``facility`` (who answers for its hazards)."""
    return (
        user.is_authenticated
        and user.role == Role.MANAGER
        and facility.managers.filter(pk=user.pk).exists()
    )


def can_verify(hazard, user):
    """Whether ``user`` may accept or reject a hazard's rectification: an inspector
    or bureau lead whose regions cover the facility, never the facility itself."""
    if not user.is_authenticated or user.role not in (Role.INSPECTOR, Role.LEAD):
        return False
    return facilities_for(user).filter(pk=hazard.facility_id).exists()


def publications_for(user):
    """Results awaiting or past review: bureau leads and auditors of the facility's
    regions, and the inspection's team; never the facility (unpublished text is internal)."""
    if is_admin(user):
        return Publication.objects.all()
    if not user.is_authenticated or user.role == Role.MANAGER:
        return Publication.objects.none()
    return Publication.objects.filter(inspection_q(user, "inspection__")).exclude(
        inspection__kind=Inspection.Kind.SELF
    )


def publication_for_user(user, pk):
    try:
        return (
            publications_for(user)
            .select_related("inspection__facility__region", "inspection__plan", "current")
            .get(pk=pk)
        )
    except (Publication.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def public_results():
    """Results the public may know of (site, PDFs, open data, API): published ones,
    and withdrawn ones, which keep only their notice (``shows_public_content``).
    Pending, returned and never-published ones have no current version."""
    # The same condition as the partial indexes on Publication: PostgreSQL uses them
    # only for a query that states it.
    return Publication.objects.filter(PUBLIC)


def shows_public_content(publication):
    """A withdrawn result shows the public its notice, never its content or category."""
    return publication.status == Publication.Status.PUBLISHED


def public_facilities():
    """Facilities with a public page: those with a public result, and active ones
    whose credit the bureau made public (a class decided, a list, a penalty)."""
    decided = CreditCase.objects.filter(
        kind=CreditCase.Kind.CLASS, status=CreditCase.Status.DECIDED
    ).values("facility_id")
    listed = ListEntry.objects.filter(exited_on=None).values("facility_id")
    penalised = CreditEvent.objects.filter(kind=CreditEvent.Kind.PENALTY, withdrawn_at=None).values(
        "facility_id"
    )
    penalties = public_penalties().values("facility_id")
    return Facility.objects.filter(
        Q(pk__in=public_results().values("inspection__facility_id"))
        | Q(active=True)
        & (Q(pk__in=decided) | Q(pk__in=listed) | Q(pk__in=penalised) | Q(pk__in=penalties))
    )


def shows_public_credit(facility):
    """The public sees the credit (class, lists, penalties) of active facilities only."""
    return facility.active


# ---------------------------------------------------------------- credit


def credit_cases_for(user):
    """Credit cases of the facilities the user may see: the county's staff, and a
    manager for their own facility (the basis of its class is theirs to read)."""
    return CreditCase.objects.filter(facility__in=facilities_for(user))


def credit_case_for_user(user, pk):
    try:
        return credit_cases_for(user).select_related("facility", "event", "rules").get(pk=pk)
    except (ValueError, TypeError, CreditCase.DoesNotExist):
        raise Http404 from None


def credit_events_for(user):
    return CreditEvent.objects.filter(facility__in=facilities_for(user))


def credit_event_for_user(user, pk):
    try:
        return credit_events_for(user).select_related("facility").get(pk=pk)
    except (ValueError, TypeError, CreditEvent.DoesNotExist):
        raise Http404 from None


# Annual coverage names the facilities nobody has inspected yet this year: planning
# data for the bureau and its auditors, not for an inspector, who sees only the
# visits they were drawn for.
coverage_required = role_required(Role.LEAD, Role.AUDITOR)


def list_entries_for(user):
    return ListEntry.objects.filter(facility__in=facilities_for(user))


def list_entry_for_user(user, pk):
    try:
        return list_entries_for(user).select_related("facility").get(pk=pk)
    except (ValueError, TypeError, ListEntry.DoesNotExist):
        raise Http404 from None


# ---------------------------------------------------------------- enforcement cases


def cases_for(user):
    """Enforcement cases: the staff of the facility's county. A facility's managers see
    no case (the bureau's file while it runs); they see what was decided against them,
    the penalties (public once recorded) and the control orders served on them."""
    if is_admin(user):
        return EnforcementCase.objects.all()
    if not user.is_authenticated or user.role not in STAFF:
        return EnforcementCase.objects.none()
    return EnforcementCase.objects.filter(region_q(user, "facility__region"))


def case_for_user(user, pk):
    try:
        return cases_for(user).select_related("facility__region", "hazard", "inspection").get(pk=pk)
    except (EnforcementCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def transfers_for(user):
    return Transfer.objects.filter(case__in=cases_for(user).values("pk"))


def transfer_for_user(user, pk):
    try:
        return (
            transfers_for(user)
            .select_related("case__facility__region", "case__hazard", "case__inspection")
            .get(pk=pk)
        )
    except (Transfer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def penalties_for(user):
    return Penalty.objects.filter(case__in=cases_for(user).values("pk"))


def penalty_for_user(user, pk):
    try:
        return penalties_for(user).select_related("case", "facility").get(pk=pk)
    except (Penalty.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def public_penalties():
    """Penalties the public may know of (依法公示行政处罚信息): a row exists only once
    decided, and one withdrawn leaves the public record; facilities closed down keep
    none public, like their credit."""
    return Penalty.objects.filter(withdrawn_at=None, facility__active=True)


# ---------------------------------------------------------------- supervision of lower levels


def level_issuer_regions(user):
    """The regions from which ``user`` addresses lower regions' bureaus (约谈/通报): a
    bureau lead's own regions, not those merely below them (a county's bureau does not
    speak for the city's)."""
    if not is_lead(user):
        return []
    return own_regions(user)


def level_actions_for(user):
    """约谈/通报 of lower levels: staff whose regions are the issuer's or the target's
    or above them; never a facility."""
    if is_admin(user):
        return LevelAction.objects.all()
    if not user.is_authenticated or user.role not in REGION_ROLES:
        return LevelAction.objects.none()
    return LevelAction.objects.filter(
        region_q(user, "issuer_region") | region_q(user, "target_region")
    )


def level_action_for_user(user, pk):
    try:
        return (
            level_actions_for(user)
            .select_related("issuer_region", "target_region", "issued_by")
            .get(pk=pk)
        )
    except (LevelAction.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------- control orders


def control_orders_for(user):
    """Control orders: the staff of the facility's county, and the facility's managers
    (the order is served on them)."""
    return ControlOrder.objects.filter(facility__in=facilities_for(user))


def control_order_for_user(user, pk):
    try:
        return (
            control_orders_for(user)
            .select_related("facility__region", "hazard", "inspection", "lifting_inspection")
            .get(pk=pk)
        )
    except (ControlOrder.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------- hazards as found


def determinations_for(user):
    """How major hazards were determined: whoever may see the hazard."""
    return Determination.objects.filter(hazard__in=hazards_for(user))


def determination_for_user(user, pk):
    try:
        return determinations_for(user).select_related("hazard__facility").get(pk=pk)
    except (ValueError, TypeError, Determination.DoesNotExist):
        raise Http404 from None


def interviews_for(user):
    """Interview records (约谈) of the facilities the user may see: the bureau's staff
    of the region, and the facility's managers (their representative signed it)."""
    if is_admin(user):
        return Interview.objects.all()
    return Interview.objects.filter(facility__in=facilities_for(user))


def interview_for_user(user, pk):
    try:
        return (
            interviews_for(user)
            .select_related("facility__region", "hazard", "recorded_by")
            .get(pk=pk)
        )
    except (Interview.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------- the facility's own duties


def duties(user):
    """Duties of the facilities the user may see: a facility's managers their own, the
    staff of the region those of its facilities."""
    if is_admin(user):
        return Duty.objects.all()
    return Duty.objects.filter(facility__in=facilities_for(user))


def duty_for_user(user, pk):
    try:
        return (
            duties(user)
            .select_related("facility__region", "rule__checklist", "inspection")
            .get(pk=pk)
        )
    except (Duty.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def duty_rules_for(user):
    """Duty rules bearing on the user's regions: those set for them or below, and those
    of the regions above them (a city's rule covers its counties). Staff only."""
    if is_admin(user):
        return DutyRule.objects.all()
    if not user.is_authenticated or user.role not in STAFF:
        return DutyRule.objects.none()
    above = {code for region in own_regions(user) for code in region.path.split("/") if code}
    return DutyRule.objects.filter(region_q(user) | Q(region__code__in=above))


def duty_rule_for_user(user, pk):
    try:
        return duty_rules_for(user).select_related("region", "checklist").get(pk=pk)
    except (DutyRule.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------- complaints (投诉举报)


def complaints_for(user):
    """Complaints: the staff of the county that handles them. A facility's managers see
    none (the facility must never learn who complained); who complained is shown only
    where ``shows_complainant`` holds."""
    if is_admin(user):
        return Complaint.objects.all()
    if not user.is_authenticated or user.role not in STAFF:
        return Complaint.objects.none()
    return Complaint.objects.filter(region_q(user, "region"))


def complaint_for_user(user, pk):
    try:
        return complaints_for(user).select_related("region", "facility").get(pk=pk)
    except (Complaint.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_record_complaints(user):
    """Leads and inspectors write down complaints received by phone, letter or visit."""
    return has_role(user, Role.LEAD, Role.INSPECTOR)


def shows_complainant(user, complaint):
    """The complainant's name and phone: for the county's bureau leads only."""
    return is_lead(user) and regions_for(user).filter(pk=complaint.region_id).exists()


# ---------------------------------------------------------------- incidents (突发事件)


def incidents_for(user):
    """Incidents reported to the bureau: its staff of the facility's region, and the
    facility's managers (they reported them)."""
    if is_admin(user):
        return Incident.objects.all()
    if not user.is_authenticated:
        return Incident.objects.none()
    if user.role in REGION_ROLES:
        return Incident.objects.filter(region_q(user, "facility__region"))
    if user.role == Role.MANAGER:
        return Incident.objects.filter(facility__managers=user)
    return Incident.objects.none()


def incident_for_user(user, pk):
    try:
        return incidents_for(user).select_related("facility__region", "reported_by").get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
