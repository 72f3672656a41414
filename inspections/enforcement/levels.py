"""Supervision of lower levels: a higher region's lead records a 约谈 (interview) of a
lower region's bureau or issues it a 通报 (circular), numbered per issuing region; and
the figures that lead reads before choosing whom to address."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import Actor, save_with_history
from core.notifications import notify
from core.numbers import next_number
from inspections import access, policy
from inspections.hazards.models import Hazard
from inspections.onsite import filters as inspection_filters
from registry.access import paths_q
from registry.models import Region, User

from .models import LevelAction

CODES: dict[str, str] = {LevelAction.Kind.INTERVIEW: "JY", LevelAction.Kind.CIRCULAR: "TB"}
# A circular's body runs to a page or two; a reason or a record of commitments less.
CONTENT = 2 * limits.TEXT
# Recorded after the meeting or the issue, not planned ahead; a date more than a year
# back is a typing slip, not a late record.
RECORD_MONTHS_BACK = 12


def number_for(action: LevelAction, *, by: Actor) -> str:
    year = timezone.localdate().year
    code = action.issuer_region.code
    n = next_number(series=f"level-{action.kind}:{code}", year=year, by=by)
    return f"{code}-{year}-{CODES[action.kind]}{n:04d}"


def target_leads(region: Region) -> QuerySet[User]:
    """The active bureau leads of ``region`` itself: the bureau being addressed."""
    return access.active_leads().filter(regions=region).distinct()


def _required(value: str, *, limit: int, label: str) -> str:
    value = limits.text(value, limit=limit, label=label)
    if not value:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    return value


@transaction.atomic
def level_action_record(
    *,
    kind: str,
    issuer_region: Region,
    target_region: Region,
    subject: str,
    reason: str,
    content: str,
    held_on: date,
    by: User,
    attendees: str = "",
    commitments: str = "",
) -> LevelAction:
    """Record a 约谈 or issue a 通报 of ``target_region``'s bureau, number it and tell
    that bureau's leads."""
    if kind not in LevelAction.Kind.values:
        raise ValidationError(_("Choose an interview or a circular."))
    action = LevelAction(kind=kind, issuer_region=issuer_region, target_region=target_region)
    policy.require(policy.level_action_refusal(by, action))
    action.subject = _required(subject, limit=limits.LINE, label=_("Subject"))
    action.reason = _required(reason, limit=limits.TEXT, label=_("Reason"))
    action.content = _required(
        content,
        limit=CONTENT,
        label=_("Minutes") if kind == LevelAction.Kind.INTERVIEW else _("Content"),
    )
    attendees = limits.text(attendees, limit=limits.SHORT, label=_("Attendees"))
    commitments = limits.text(commitments, limit=limits.TEXT, label=_("Commitments"))
    if kind == LevelAction.Kind.INTERVIEW:
        if not attendees:
            raise ValidationError(_("Name the attendees of the interview."))
    elif attendees or commitments:
        raise ValidationError(_("A circular has no attendees or commitments; leave them empty."))
    action.attendees, action.commitments = attendees, commitments
    today = timezone.localdate()
    action.held_on = limits.date_between(
        held_on,
        label=_("Date"),
        earliest=limits.add_months(today, -RECORD_MONTHS_BACK),
        last=today,
    )
    action.number = number_for(action, by=by)
    action.issued_by = by
    save_with_history(action, by=by)
    text = (
        _("%(issuer)s recorded interview %(number)s with your bureau: %(subject)s")
        if kind == LevelAction.Kind.INTERVIEW
        else _("%(issuer)s issued circular %(number)s to your bureau: %(subject)s")
    ) % {"issuer": issuer_region.name, "number": action.number, "subject": action.subject}
    for lead in target_leads(target_region).exclude(pk=by.pk):
        notify(user=lead, text=text, url=action.get_absolute_url(), by=by)
    return action


# ---------------------------------------------------------------- figures


@dataclass
class Figures:
    region: Region
    overdue_hazards: int = 0
    late_publications: int = 0

    @property
    def hazards_url(self) -> str:
        query = urlencode({"region": self.region.code, "status": Hazard.Status.OVERDUE})
        return f"{reverse('inspections:hazard_list')}?{query}"


def lower_level_figures(
    user: User, regions: Iterable[Region], today: date | None = None
) -> list[Figures]:
    """For each of ``regions`` (and everything below it): hazards overdue now, and
    results still unpublished past their limit. Three queries whatever the number of
    regions; counts within what ``user`` may see."""
    regions = list(regions)
    if not regions:
        return []
    today = today or timezone.localdate()
    paths = [region.path for region in regions]
    overdue = (
        access.hazards_for(user)
        .filter(paths_q(paths, "facility__region__path"), status=Hazard.Status.OVERDUE)
        .order_by()
        .values_list("facility__region__path")
        .annotate(n=Count("pk"))
    )
    late = (
        access.inspections_for(user)
        .filter(
            paths_q(paths, "facility__region__path"),
            inspection_filters.AWAITING,
            publication__due_on__lt=today,
        )
        .order_by()
        .values_list("facility__region__path")
        .annotate(n=Count("pk"))
    )
    figures = [Figures(region=region) for region in regions]
    for rows, name in ((overdue, "overdue_hazards"), (late, "late_publications")):
        for path, n in rows:
            for figure in figures:
                if path.startswith(figure.region.path):
                    setattr(figure, name, getattr(figure, name) + n)
    return figures
