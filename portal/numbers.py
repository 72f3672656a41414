"""The few numbers each role watches, under its inbox on the home page."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from core.workdays import Countdown
from inspections import access
from inspections.hazards.models import Extension, Hazard
from inspections.publication.models import Publication

# A result due within this many working days is "nearing the limit" on the lead's home.
NEARING_WORKING_DAYS = 5
NEARING_ROWS = 10


def home_numbers(user, countdown: Countdown | None = None) -> dict:
    """Pass the request's countdown (``core.workdays.countdown_for``) to share its
    calendar query."""
    countdown = countdown or Countdown(timezone.localdate())
    numbers: dict = {}
    if access.is_manager(user) or access.is_lead(user):
        numbers.update(
            access.hazards_for(user)
            .filter(status__in=Hazard.OPEN)
            .aggregate(
                open_hazards=Count("pk"),
                overdue_hazards=Count("pk", filter=Q(status=Hazard.Status.OVERDUE)),
                next_due=Min("due_on", filter=~Q(status=Hazard.Status.AWAITING)),
            )
        )
    if access.is_lead(user):
        numbers["extensions"] = Extension.objects.filter(
            status=Extension.Status.PENDING,
            hazard__in=access.hazards_for(user).values("pk"),
        ).count()
        limit = countdown.ahead(NEARING_WORKING_DAYS)
        numbers["nearing"] = list(
            access.publications_for(user)
            .filter(
                status__in=Publication.WAITING,
                due_on__lte=limit,
            )
            .select_related("inspection__facility")
            .order_by("due_on", "pk")[:NEARING_ROWS]
        )
    return numbers
