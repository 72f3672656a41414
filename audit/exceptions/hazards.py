"""Exceptions of the rectification loop (隐患闭环): fixes verified after their
deadline, extensions granted, hazards closed by who found them, and major hazards
closed without anyone re-checking them on site."""

from collections import defaultdict
from heapq import merge
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.exceptions.base import (
    Finding,
    Report,
    WorkingDaysLate,
    history_link,
    in_period,
    register,
)
from inspections import access
from inspections.hazards.models import Extension, Hazard, Rectification
from inspections.onsite.models import Answer, Inspection, Photo, Recheck, TeamMember
from registry.models import Facility

ACCEPTED = Rectification.Decision.ACCEPTED


def _approved_extensions():
    """Approved extensions of the outer row's hazard, which the row names ``hazard_ref``
    (a rectification's hazard, or the hazard itself)."""
    return Extension.objects.filter(hazard=OuterRef("hazard_ref"), status=Extension.Status.APPROVED)


def _due_at(moment: str):
    """The hazard's due date as it stood at ``moment`` (a field of the outer row):
    the date the last extension granted by then moved it to; else the date before the
    first extension ever granted; else (none granted) its due date. An extension
    granted after the verification does not excuse it."""
    approved = _approved_extensions()
    return Coalesce(
        Subquery(
            approved.filter(decided_at__lte=OuterRef(moment))
            .order_by("-decided_at", "-pk")
            .values("requested_due")[:1]
        ),
        Subquery(approved.order_by("decided_at", "pk").values("previous_due")[:1]),
        F("hazard_due"),
    )


def _granted_by(moment: str):
    """How many extensions were granted by ``moment``."""
    counted = (
        _approved_extensions()
        .filter(decided_at__lte=OuterRef(moment))
        .order_by()
        .values("hazard")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@register
class LateVerification(Report):
    key = "late-verification"
    title = _("Fixes verified late")
    explanation = _(
        "Fixes accepted, or hazards found fixed on a re-check, after the due date in force "
        "at that moment (extensions granted by then count; ones granted later do not)."
    )
    subject_label = _("register number")
    columns = (
        ("facility", _("Facility")),
        ("severity", _("Hazard class")),
        ("due", _("Due date at verification")),
        ("extensions", _("Extensions granted by then")),
        ("submitted_at", _("Fix submitted at")),
        ("verified_at", _("Verified at")),
        ("verified_by", _("Verified by")),
        ("late", _("Working days late")),
    )

    def findings(self, user, start, end):
        hazards = access.hazards_for(user)
        # A fix accepted by a verifier (for a major hazard, before the sign-off).
        accepted = in_period(
            Rectification.objects.filter(hazard__in=hazards, decision=ACCEPTED)
            .annotate(hazard_ref=F("hazard"), hazard_due=F("hazard__due_on"))
            .annotate(
                due=_due_at("decided_at"),
                granted=_granted_by("decided_at"),
                verified_on=TruncDate("decided_at"),
            )
            .filter(verified_on__gt=F("due"))
            .select_related("hazard__facility__region", "decided_by"),
            "decided_at",
            start,
            end,
        ).order_by("-decided_at", "-pk")
        # A hazard closed by inspectors who found it fixed on site, with no fix accepted.
        rechecked = in_period(
            hazards.filter(status=Hazard.Status.CLOSED, corrected_on_spot=False)
            .exclude(closed_at=None)
            .exclude(Exists(Rectification.objects.filter(hazard=OuterRef("pk"), decision=ACCEPTED)))
            .annotate(hazard_ref=F("pk"), hazard_due=F("due_on"))
            .annotate(
                due=_due_at("closed_at"),
                granted=_granted_by("closed_at"),
                verified_on=TruncDate("closed_at"),
            )
            .filter(verified_on__gt=F("due"))
            .select_related("facility__region", "closed_by"),
            "closed_at",
            start,
            end,
        ).order_by("-closed_at", "-pk")
        late = WorkingDaysLate()
        rows = merge(
            (
                (r.decided_at, r.hazard, r.decided_by, r.submitted_at, r)
                for r in accepted.iterator(chunk_size=500)
            ),
            ((h.closed_at, h, h.closed_by, None, h) for h in rechecked.iterator(chunk_size=500)),
            key=lambda row: row[0],
            reverse=True,
        )
        for verified_at, hazard, verifier, submitted_at, row in rows:
            yield Finding(
                region=hazard.facility.region,
                at=verified_at,
                subject=hazard.register_no,
                url=hazard.get_absolute_url(),
                history_url=history_link(hazard),
                cells={
                    "facility": hazard.facility.name,
                    "severity": hazard.get_severity_display(),
                    "due": row.due,
                    "extensions": row.granted,
                    "submitted_at": submitted_at,
                    "verified_at": verified_at,
                    "verified_by": verifier.display_name if verifier else None,
                    "late": late(row.due, timezone.localdate(verified_at)),
                },
            )


@register
class ExtensionsGranted(Report):
    key = "extensions-granted"
    title = _("Extensions granted")
    explanation = _(
        "Per facility, the extensions of hazard deadlines granted in the period: how many, "
        "for how many hazards, and by how many calendar days in all and at most."
    )
    subject_label = _("Facility")
    columns = (
        ("granted", _("Extensions granted")),
        ("hazards", _("Hazards extended")),
        ("total_days", _("Days extended in all")),
        ("longest_days", _("Longest extension (days)")),
        ("last_at", _("Last granted at")),
    )

    def findings(self, user, start, end):
        extensions = in_period(
            Extension.objects.filter(
                hazard__in=access.hazards_for(user), status=Extension.Status.APPROVED
            ).exclude(decided_at=None),
            "decided_at",
            start,
            end,
        ).values_list(
            "pk", "hazard_id", "hazard__facility_id", "previous_due", "requested_due", "decided_at"
        )
        per_facility = defaultdict(list)
        for row in extensions.iterator(chunk_size=2000):
            per_facility[row[2]].append(row)
        facilities = Facility.objects.select_related("region").in_bulk(list(per_facility))
        summaries = []
        for facility_id, rows in per_facility.items():
            days = [(requested - previous).days for _pk, _h, _f, previous, requested, _at in rows]
            last = max(rows, key=lambda row: (row[5], row[0]))
            summaries.append((last[5], facilities[facility_id], rows, days, last[0]))
        summaries.sort(key=lambda summary: (summary[0], summary[1].pk), reverse=True)
        hazard_list = reverse("inspections:hazard_list")
        for last_at, facility, rows, days, last_pk in summaries:
            yield Finding(
                region=facility.region,
                at=last_at,
                subject=facility.name,
                url=f"{hazard_list}?{urlencode({'facility': facility.pk})}",
                # The latest extension's own record; the others are on the hazards' pages.
                history_url=history_link(Extension(pk=last_pk)),
                cells={
                    "granted": len(rows),
                    "hazards": len({row[1] for row in rows}),
                    "total_days": sum(days),
                    "longest_days": max(days),
                    "last_at": last_at,
                },
            )


@register
class ClosedByFinder(Report):
    key = "closed-by-finder"
    title = _("Hazards closed by who found them")
    explanation = _(
        "Hazards closed by the person who registered them or by a member of the team "
        "that found them: only an independent re-check should close a hazard. Hazards "
        "corrected on the spot are left out."
    )
    subject_label = _("register number")
    columns = (
        ("facility", _("Facility")),
        ("severity", _("Hazard class")),
        ("source", _("Source")),
        ("found_on", _("Found on")),
        ("closed_at", _("Closed at")),
        ("closed_by", _("Closed by")),
        ("registered_it", _("Closer registered it")),
        ("on_team", _("Closer was on the team that found it")),
    )

    def findings(self, user, start, end):
        registered = Hazard.history.model.objects.filter(id=OuterRef("pk"), history_type="+")
        hazards = in_period(
            access.hazards_for(user)
            .filter(status=Hazard.Status.CLOSED, corrected_on_spot=False)
            .exclude(closed_by=None)
            .annotate(
                registrar=Subquery(registered.values("history_user")[:1]),
                on_team=Exists(
                    TeamMember.objects.filter(
                        inspection=OuterRef("inspection"),
                        active=True,
                        inspector__user=OuterRef("closed_by"),
                    )
                ),
            )
            .filter(Q(registrar=F("closed_by")) | Q(on_team=True))
            .select_related("facility__region", "closed_by"),
            "closed_at",
            start,
            end,
        ).order_by("-closed_at", "-pk")
        for hazard in hazards.iterator(chunk_size=500):
            yield Finding(
                region=hazard.facility.region,
                at=hazard.closed_at,
                subject=hazard.register_no,
                url=hazard.get_absolute_url(),
                history_url=history_link(hazard),
                cells={
                    "facility": hazard.facility.name,
                    "severity": hazard.get_severity_display(),
                    "source": hazard.get_source_display(),
                    "found_on": hazard.found_on,
                    "closed_at": hazard.closed_at,
                    "closed_by": hazard.closed_by.display_name,
                    "registered_it": hazard.registrar == hazard.closed_by_id,
                    "on_team": hazard.on_team,
                },
            )


@register
class MajorClosedOnPhotos(Report):
    key = "major-closed-on-photos"
    title = _("Major hazards closed on photos alone")
    explanation = _(
        "Major hazards closed with no re-check on site finding them fixed before the "
        "closing: the verification rested on the facility's photos and account."
    )
    subject_label = _("register number")
    columns = (
        ("facility", _("Facility")),
        ("found_on", _("Found on")),
        ("after_photos", _("Photos after the fix")),
        ("verified_at", _("Verified at")),
        ("verified_by", _("Verified by")),
        ("closed_at", _("Closed at")),
        ("closed_by", _("Closed by")),
    )

    def findings(self, user, start, end):
        fixed_on_site = Answer.objects.filter(
            rechecked_hazard=OuterRef("pk"),
            value=Recheck.FIXED,
            answered_at__lte=OuterRef("closed_at"),
        ).exclude(inspection__kind=Inspection.Kind.SELF)
        accepted = Rectification.objects.filter(hazard=OuterRef("pk"), decision=ACCEPTED).order_by(
            "-decided_at", "-pk"
        )
        photos = (
            Photo.objects.kept()
            .filter(hazard=OuterRef("pk"), purpose=Photo.Purpose.AFTER)
            .order_by()
            .values("hazard")
            .annotate(n=Count("pk"))
            .values("n")
        )
        hazards = in_period(
            access.hazards_for(user)
            .filter(severity=Hazard.Severity.MAJOR, status=Hazard.Status.CLOSED)
            .exclude(closed_at=None)
            .exclude(Exists(fixed_on_site))
            .annotate(
                verified_at=Subquery(accepted.values("decided_at")[:1]),
                verifier_name=Subquery(accepted.values("decided_by__full_name")[:1]),
                verifier_username=Subquery(accepted.values("decided_by__username")[:1]),
                after_photos=Coalesce(Subquery(photos, output_field=IntegerField()), 0),
            )
            .select_related("facility__region", "closed_by"),
            "closed_at",
            start,
            end,
        ).order_by("-closed_at", "-pk")
        for hazard in hazards.iterator(chunk_size=500):
            yield Finding(
                region=hazard.facility.region,
                at=hazard.closed_at,
                subject=hazard.register_no,
                url=hazard.get_absolute_url(),
                history_url=history_link(hazard),
                cells={
                    "facility": hazard.facility.name,
                    "found_on": hazard.found_on,
                    "after_photos": hazard.after_photos,
                    "verified_at": hazard.verified_at,
                    # User.display_name, read without loading the user.
                    "verified_by": hazard.verifier_name or hazard.verifier_username,
                    "closed_at": hazard.closed_at,
                    "closed_by": hazard.closed_by.display_name if hazard.closed_by else None,
                },
            )
