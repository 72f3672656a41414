"""Results (一公开) published after their 20-working-day limit, or still unpublished
past it (DOMAIN.md §2).

The limit is the one the result was opened with (``Publication.due_on``, counted by
``publication_open`` on the working-day calendar); a report does not count it again.
"""

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
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
from inspections.publication.models import PublicationVersion


@register
class LatePublication(Report):
    key = "late-publication"
    title = _("Results published late")
    explanation = _(
        "Results published after the limit of 20 working days from the end of the "
        "inspection, or still unpublished past it; counted by when the inspection ended."
    )
    subject_label = _("Facility")
    columns = (
        ("kind", _("Inspection kind")),
        ("ended", _("Inspection ended")),
        ("due_on", _("Publish by")),
        ("provisional", _("publish-by date provisional")),
        ("published_at", _("First published at")),
        ("status", _("Status")),
        ("late", _("Working days late")),
    )

    def findings(self, user, start, end):
        today = timezone.localdate()
        first_version = PublicationVersion.objects.filter(publication=OuterRef("pk")).order_by(
            "number"
        )
        publications = (
            access.publications_for(user)
            .annotate(
                # When the inspection ended: the day its limit is counted from.
                ended=Coalesce("inspection__finished_at", "created_at"),
                first_published=Subquery(first_version.values("published_at")[:1]),
                # The local date: a result published at 00:30 in Shanghai was published that day.
                published_on=TruncDate("first_published"),
            )
            .filter(
                Q(first_published__isnull=False, published_on__gt=F("due_on"))
                | Q(first_published__isnull=True, due_on__lt=today)
            )
            .select_related("inspection__facility__region")
            .order_by("-ended", "-pk")
        )
        late = WorkingDaysLate()
        for publication in in_period(publications, "ended", start, end).iterator(chunk_size=500):
            inspection = publication.inspection
            published = publication.first_published
            yield Finding(
                region=inspection.facility.region,
                at=publication.ended,
                subject=inspection.facility.name,
                url=publication.get_absolute_url(),
                history_url=history_link(publication),
                cells={
                    "kind": inspection.get_kind_display(),
                    "ended": publication.ended,
                    "due_on": publication.due_on,
                    "provisional": publication.due_provisional,
                    "published_at": published or _("Not published"),
                    "status": publication.get_status_display(),
                    "late": late(
                        publication.due_on,
                        timezone.localdate(published) if published else today,
                    ),
                },
            )
