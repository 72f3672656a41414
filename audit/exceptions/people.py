"""Exception reports on who inspects whom: the same inspector sent back to the same
facility plan after plan, and inspectors sent near a declared conflict of interest."""

from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from inspections import access
from inspections.onsite.models import Inspection, TeamMember
from inspections.planning.models import Plan
from registry.models import ConflictOfInterest, Facility

from .base import Finding, Report, history_link, in_period, register

# A township's division code is the first 9 digits of its own and of its villages' codes.
TOWNSHIP_DIGITS = 9


def _visits(user):
    """Each inspector's place on the team of a visit ``user`` may see and that was not
    called off, with ``moment``: when the visit started or, not yet started, when it
    was scheduled."""
    inspections = access.inspections_for(user).exclude(status=Inspection.Status.CANCELLED)
    return TeamMember.objects.filter(active=True, inspection__in=inspections.values("pk")).annotate(
        moment=Coalesce("inspection__started_at", "inspection__created_at")
    )


def _previous_plans(user):
    """{plan id: id of the plan consecutive before it}.

    Consecutive: approved plans of the same owning region and the same kind, in order of
    window start (then window end, then creation), with no other such plan between them.
    """
    plans = (
        access.plans_for(user)
        .filter(status=Plan.Status.APPROVED)
        .order_by("region_id", "kind", "window_start", "window_end", "pk")
        .values_list("pk", "region_id", "kind")
    )
    previous, last = {}, {}
    for pk, region_id, kind in plans:
        if (region_id, kind) in last:
            previous[pk] = last[(region_id, kind)]
        last[(region_id, kind)] = pk
    return previous


@register
class SameInspectorConsecutivePlans(Report):
    key = "same-inspector-consecutive-plans"
    title = _("The same inspector at the same facility in consecutive plans")
    explanation = _(
        "An inspector on the team for the same facility in two consecutive plans (approved "
        "plans of the same region and kind, one right after the other in order of window "
        "start) defeats the rotation that random assignment is meant to bring."
    )
    columns = (
        ("inspector", _("Inspector")),
        ("facility", _("Facility")),
        ("earlier_plan", _("Earlier plan")),
        ("earlier_visit", _("Earlier visit")),
        ("later_plan", _("Later plan")),
        ("later_visit", _("Later visit")),
        ("excludes_last", _("Plan excludes previous inspectors")),
    )

    def findings(self, user, start, end):
        previous = _previous_plans(user)
        later = (
            _visits(user)
            .filter(inspection__plan__in=access.plans_for(user).values("pk"))
            .select_related("inspector__user", "inspection__facility", "inspection__plan__region")
            .order_by("-moment", "-pk")
        )
        later = [
            v for v in in_period(later, "moment", start, end) if v.inspection.plan_id in previous
        ]
        earlier = {}
        for visit in (
            _visits(user)
            .filter(inspection__plan__in={previous[v.inspection.plan_id] for v in later})
            .select_related("inspection__plan")
            .order_by("moment", "pk")
        ):
            # Ascending, so the plan's last visit of the pair is the one kept.
            earlier[
                (visit.inspector_id, visit.inspection.facility_id, visit.inspection.plan_id)
            ] = visit
        seen = set()
        for visit in later:
            inspection = visit.inspection
            pair = (visit.inspector_id, inspection.facility_id, inspection.plan_id)
            before = earlier.get((*pair[:2], previous[inspection.plan_id]))
            if before is None or pair in seen:
                continue
            seen.add(pair)
            name = visit.inspector.user.display_name
            yield Finding(
                region=inspection.plan.region,
                at=visit.moment,
                subject=_("%(inspector)s at %(facility)s")
                % {"inspector": name, "facility": inspection.facility.name},
                url=inspection.get_absolute_url(),
                history_url=history_link(inspection),
                cells={
                    "inspector": name,
                    "facility": inspection.facility.name,
                    "earlier_plan": before.inspection.plan.name,
                    "earlier_visit": before.moment,
                    "later_plan": inspection.plan.name,
                    "later_visit": visit.moment,
                    "excludes_last": inspection.plan.exclude_last_inspectors,
                },
            )


def _township(region):
    code = region.code
    return code[:TOWNSHIP_DIGITS] if len(code) >= TOWNSHIP_DIGITS else None


@register
class ConflictsNearAssignments(Report):
    key = "conflicts-near-assignments"
    title = _("Inspectors with declared conflicts near their assignments")
    explanation = _(
        "An inspector sent to a facility they declared a conflict of interest with, to a "
        "facility sharing a manager account with it (the same operator), or to a facility "
        "in the same township may not be impartial there."
    )
    columns = (
        ("inspector", _("Inspector")),
        ("facility", _("Facility inspected")),
        ("visit", _("Visit")),
        ("conflict_facility", _("Declared conflict with")),
        ("relation", _("How near")),
        ("reason", _("Reason declared")),
        ("declared_on", _("Declared on")),
    )

    SAME_FACILITY = _("the same facility")
    SAME_OPERATOR = _("the same operator (a shared manager account)")
    SAME_TOWNSHIP = _("the same township")

    def findings(self, user, start, end):
        if not access.can_see_conflicts(user):
            return
        # Conflicts name facilities: only those inside the user's own scope are shown.
        conflicts = ConflictOfInterest.objects.filter(
            facility__in=access.facilities_for(user)
        ).select_related("facility__region")
        visits = list(
            in_period(
                _visits(user).filter(inspector__in=conflicts.values("inspector")),
                "moment",
                start,
                end,
            )
            .select_related("inspector__user", "inspection__facility__region")
            .order_by("-moment", "-pk")
        )
        declared = {}
        for conflict in conflicts.filter(inspector__in={v.inspector_id for v in visits}):
            declared.setdefault(conflict.inspector_id, []).append(conflict)
        facilities = {v.inspection.facility_id for v in visits} | {
            c.facility_id for found in declared.values() for c in found
        }
        managers = {}
        for facility_id, user_id in Facility.managers.through.objects.filter(
            facility_id__in=facilities
        ).values_list("facility_id", "user_id"):
            managers.setdefault(facility_id, set()).add(user_id)
        for visit in visits:
            facility = visit.inspection.facility
            for conflict in declared.get(visit.inspector_id, ()):
                relation = self._relation(facility, conflict.facility, managers)
                if relation is None:
                    continue
                name = visit.inspector.user.display_name
                yield Finding(
                    region=facility.region,
                    at=visit.moment,
                    subject=_("%(inspector)s at %(facility)s")
                    % {"inspector": name, "facility": facility.name},
                    url=visit.inspection.get_absolute_url(),
                    history_url=history_link(visit.inspection),
                    cells={
                        "inspector": name,
                        "facility": facility.name,
                        "visit": visit.moment,
                        "conflict_facility": conflict.facility.name,
                        "relation": relation,
                        "reason": conflict.reason,
                        "declared_on": conflict.declared_on,
                    },
                )

    def _relation(self, facility, conflicted, managers):
        if facility.pk == conflicted.pk:
            return self.SAME_FACILITY
        if managers.get(facility.pk, set()) & managers.get(conflicted.pk, set()):
            return self.SAME_OPERATOR
        township = _township(facility.region)
        if township and township == _township(conflicted.region):
            return self.SAME_TOWNSHIP
        return None
