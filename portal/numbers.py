"""The few numbers each role watches, under its inbox on the home page."""

from django.db.models import Min
from django.utils import timezone

from core.workdays import add_working_days
from inspections import access
from inspections.hazards.models import Extension, Hazard
from inspections.publication.models import Publication

# A result due within this many working days is "nearing the limit" on the lead's home.
NEARING_WORKING_DAYS = 5
NEARING_ROWS = 10


def home_numbers(user) -> dict:
    today = timezone.localdate()
    numbers: dict = {}
    if access.is_manager(user) or access.is_lead(user):
        open_hazards = access.hazards_for(user).filter(status__in=Hazard.OPEN)
        numbers["open_hazards"] = open_hazards.count()
        numbers["overdue_hazards"] = open_hazards.filter(status=Hazard.Status.OVERDUE).count()
        numbers["next_due"] = (
            open_hazards.exclude(status=Hazard.Status.AWAITING)
            .aggregate(next=Min("due_on"))
            .get("next")
        )
    if access.is_lead(user):
        numbers["extensions"] = Extension.objects.filter(
            status=Extension.Status.PENDING,
            hazard__in=access.hazards_for(user).values("pk"),
        ).count()
        limit = add_working_days(today, NEARING_WORKING_DAYS).date
        numbers["nearing"] = list(
            access.publications_for(user)
            .filter(
                status__in=(Publication.Status.PENDING, Publication.Status.RETURNED),
                due_on__lte=limit,
            )
            .select_related("inspection__facility")
            .order_by("due_on", "pk")[:NEARING_ROWS]
        )
    return numbers
