"""Exception reports on the lottery and its plans: draws voided or whose teams were
changed afterwards, and plans approved once their inspection window had opened."""

from django.db.models import F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections import access
from inspections.planning.models import Draw, Plan

from .base import Finding, Report, history_link, in_period, register


@register
class DrawsVoidedOrSubstituted(Report):
    key = "draws-voided-or-substituted"
    title = _("Draws voided or with substitutions")
    explanation = _(
        "A voided draw, or an inspector replaced after the draw, sets aside part of the "
        "lottery's result: each should have a reason that holds."
    )
    columns = (
        ("plan", _("Plan")),
        ("region", _("Region")),
        ("drawn_at", _("Drawn at")),
        ("voided", _("Voided")),
        ("void_reason", _("Why it was voided")),
        ("substitutions", _("Substitutions")),
        ("substitution_reasons", _("Reasons for the substitutions")),
    )

    def findings(self, user, start, end):
        # A draw belongs to when it ran; one voided before it ran, to when it was frozen.
        draws = (
            access.draws_for(user)
            .filter(Q(status=Draw.Status.VOID) | ~Q(substitutions=[]))
            .annotate(moment=Coalesce("drawn_at", "frozen_at"))
            .select_related("plan__region")
            .order_by("-moment", "-pk")
        )
        for draw in in_period(draws, "moment", start, end):
            voided = draw.status == Draw.Status.VOID
            yield Finding(
                region=draw.plan.region,
                at=draw.moment,
                subject=str(draw),
                url=draw.get_absolute_url(),
                history_url=history_link(draw),
                cells={
                    "plan": draw.plan.name,
                    "region": draw.plan.region.name,
                    "drawn_at": draw.drawn_at,
                    "voided": voided,
                    "void_reason": draw.void_reason if voided else "",
                    "substitutions": len(draw.substitutions),
                    "substitution_reasons": "; ".join(s["reason"] for s in draw.substitutions),
                },
            )


@register
class PlansApprovedLate(Report):
    key = "plans-approved-in-window"
    title = _("Plans approved with their window already running")
    explanation = _(
        "A plan approved on or after the first day of its inspection window (in local "
        "time) was published when its inspections could already have begun, leaving less "
        "time for notice and for the visits."
    )
    columns = (
        ("plan", _("Plan")),
        ("region", _("Region")),
        ("kind", _("Kind")),
        ("window_start", _("Window start")),
        ("window_end", _("Window end")),
        ("approved_at", _("Approved at")),
        ("approved_by", _("Approved by")),
        ("days_late", _("Days of the window already past")),
    )

    def findings(self, user, start, end):
        plans = (
            access.plans_for(user)
            .filter(status=Plan.Status.APPROVED)
            # The window opens at local midnight of its first day.
            .annotate(approved_on=TruncDate("approved_at", tzinfo=timezone.get_current_timezone()))
            .filter(approved_on__gte=F("window_start"))
            .select_related("region", "approved_by")
            .order_by("-approved_at", "-pk")
        )
        for plan in in_period(plans, "approved_at", start, end):
            yield Finding(
                region=plan.region,
                at=plan.approved_at,
                subject=plan.name,
                url=plan.get_absolute_url(),
                history_url=history_link(plan),
                cells={
                    "plan": plan.name,
                    "region": plan.region.name,
                    "kind": plan.get_kind_display(),
                    "window_start": plan.window_start,
                    "window_end": plan.window_end,
                    "approved_at": plan.approved_at,
                    "approved_by": str(plan.approved_by) if plan.approved_by else "",
                    "days_late": (plan.approved_on - plan.window_start).days,
                },
            )
