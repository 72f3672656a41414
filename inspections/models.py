"""The models of the supervision domain. Each sub-domain keeps its own in its package
(planning/, onsite/, hazards/, publication/); this module is the list Django loads,
plus the two every sub-domain shares: document number sequences and notifications."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.audited import AuditedManager
from inspections.hazards.models import (  # noqa: F401  (the list Django loads)
    Extension,
    Hazard,
    HazardAlarm,
    Rectification,
    RectificationNotice,
    Supervision,
    SupervisionNote,
)
from inspections.onsite.models import (  # noqa: F401
    CAMERA_CLOCK_SLACK,
    Answer,
    EvidenceAccess,
    Inspection,
    InspectionChecklist,
    Photo,
    Recheck,
    TeamMember,
    answer_key,
    evidence_storage,  # named by migrations
)
from inspections.planning.models import (  # noqa: F401
    DEFAULT_RATIOS,
    Draw,
    DrawQuerySet,
    Plan,
    PlanTemplate,
)
from inspections.publication.models import (  # noqa: F401
    IssuedDocument,
    Publication,
    PublicationVersion,
)


class Sequence(models.Model):
    """The last number issued in a numbered series (register numbers, notices)."""

    name = models.CharField(_("series"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="one_sequence_per_year")
        ]
        verbose_name = _("number series")
        verbose_name_plural = _("number series")

    def __str__(self):
        return f"{self.name} {self.year}: {self.last}"


class Notification(models.Model):
    """A message to one user, shown on their home page (and e-mailed when they have an address)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.text
