"""Publication (一公开): a result's public record, its versions, and numbered documents."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from core.audited import AuditedManager
from core.fields import user_field
from inspections.onsite.models import Inspection
from inspections.planning.models import Plan
from registry.models import Region, User

# The results the public may know of (inspections.access.public_results).
PUBLIC = models.Q(current__isnull=False, status__in=["published", "withdrawn"])


class Publication(models.Model):
    """一公开: the public record of one finished inspection's result.

    It waits for a bureau lead's review (pending), may be returned with a reason and
    published later, and once published is never edited: a correction adds a version,
    a withdrawal keeps a public notice with its reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        RETURNED = "returned", _("Returned for changes")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Results a bureau lead still has to review (the queue).
    WAITING = (Status.PENDING, Status.RETURNED)

    class Category(models.TextChoices):
        NONE_FOUND = "none_found", _("No problem found")  # 未发现问题
        CORRECTED = "corrected", _("Problem found and corrected")  # 发现问题已整改
        ORDERED = "ordered", _("Problem found, rectification ordered")  # 发现问题责令整改
        PENALTY = "penalty", _("Referred for penalty")  # 移送处罚

    inspection = models.OneToOneField(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.PROTECT,
        related_name="publication",
    )
    status = fsm.FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # 20 working days after the inspection ended (DOMAIN.md §2).
    due_on = models.DateField(_("publish by"))
    due_provisional = models.BooleanField(_("publish-by date provisional"), default=False)
    # The category and follow-up proposed for review; each version keeps its own.
    category = models.CharField(_("result category"), max_length=20, choices=Category.choices)
    follow_up = models.TextField(_("follow-up handling"), blank=True)
    current = models.ForeignKey(
        "PublicationVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The facility's region, kept on the result (and moved with the facility,
    # ``inspections.receivers``) so that a region's public results are one
    # range of one index, not found through every inspection and facility: the API's
    # and the public search's region scopes read it.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The current version's inspection date (the same in every version: the day the
    # inspection started), kept on the result so that the public order, newest
    # inspection first, is one index on this table for a region or for all.
    inspected_on = models.DateField(_("inspection date"), null=True, blank=True, editable=False)
    returned_reason = models.CharField(_("why it was returned"), max_length=500, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = user_field(_("returned by"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("why it was withdrawn"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = user_field(_("withdrawn by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            # The review queue, results waiting by their limit: found through this index
            # whatever the number of results published over the years. The statuses are
            # WAITING's (a nested class's names are not visible here; a test compares).
            models.Index(
                fields=["due_on", "id"],
                name="publication_waiting",
                condition=models.Q(status__in=["pending", "returned"]),
            ),
            # A region's public results, newest publication first: counted and walked
            # by region alone, from the index only. The condition is
            # ``access.public_results()``'s, literally (a test compares).
            models.Index(
                fields=["region", "id"],
                name="publication_public_by_region",
                condition=PUBLIC,
            ),
            # The public order (reports.views.RESULT_ORDER, the API's numbered pages):
            # a region's results, or all of them, newest inspection first.
            models.Index(
                fields=["region", "inspected_on", "id"],
                name="publication_public_region_day",
                condition=PUBLIC,
            ),
            models.Index(
                fields=["inspected_on", "id"],
                name="publication_public_newest",
                condition=PUBLIC,
            ),
        ]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self):
        return _("Result of %(inspection)s") % {"inspection": self.inspection}

    def get_absolute_url(self):
        return reverse("inspections:publication_review", args=[self.pk])

    def get_public_url(self):
        """Its page on the public site; None while it has never been published."""
        if self.current_id is None:
            return None
        return reverse("reports:result_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if self.region_id is None:
            self.region_id = self.inspection.facility.region_id
        super().save(*args, **kwargs)

    @property
    def is_public(self):
        return self.current_id is not None

    @status.transition(source=[Status.PENDING, Status.RETURNED], target=Status.PUBLISHED)
    def publish(self) -> None:
        """Declared transition: a bureau lead publishes the reviewed result; a reason it
        was once returned for no longer stands (who returned it, and when, stay)."""
        self.returned_reason = ""

    @status.transition(source=Status.PENDING, target=Status.RETURNED)
    def send_back(self, *, by: User | None, reason: str) -> None:
        """Declared transition: a bureau lead returns it with a reason."""
        self.returned_reason = reason
        self.returned_at = timezone.now()
        self.returned_by = by

    @status.transition(source=Status.RETURNED, target=Status.PENDING)
    def resubmit(self):
        """Declared transition: the team revised the proposal and asks again."""

    @status.transition(source=Status.PUBLISHED, target=Status.PUBLISHED)
    def correct(self):
        """Declared transition: a correction publishes a new version with a reason."""

    @status.transition(source=Status.PUBLISHED, target=Status.WITHDRAWN)
    def withdraw(self, *, by: User | None, reason: str) -> None:
        """Declared transition: taken down; a public notice of it and its reason stays."""
        self.withdrawn_reason = reason
        self.withdrawn_at = timezone.now()
        self.withdrawn_by = by


class PublicationVersion(models.Model):
    """One published text of a result, frozen: ``content`` is exactly what the public
    saw. Version 1 is the first publication; later ones are corrections."""

    publication = models.ForeignKey(
        Publication,
        verbose_name=_("publication"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("version"))
    category = models.CharField(
        _("result category"), max_length=20, choices=Publication.Category.choices
    )
    inspected_on = models.DateField(_("inspection date"))
    # Everything shown publicly, frozen; photos are listed here only when the lead
    # chose them and confirmed no person is in them.
    content = models.JSONField(_("public content"))
    reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = user_field(_("published by"), null=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["publication", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "number"], name="one_version_number_per_publication"
            )
        ]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")

    def __str__(self):
        return f"{self.publication_id} v{self.number}"

    def save(self, *args, **kwargs):
        # Superseded, never edited in place: a correction is a new version.
        if self.pk is not None:
            raise ValidationError(_("A published version is never changed; publish a correction."))
        super().save(*args, **kwargs)


class IssuedDocument(models.Model):
    """The number of an official document (文书编号), issued once and kept: re-rendering
    a document prints the same number. Rectification notices keep their own
    (RectificationNotice.number)."""

    class Kind(models.TextChoices):
        RECORD = "record", _("Inspection record")  # 检查记录表
        REINSPECTION = "reinspection", _("Re-inspection opinion")  # 复查意见书
        RESULT = "result", _("Result announcement")  # 抽查结果公示 (one result)
        RESULTS = "results", _("Results announcement")  # 抽查结果公示 (a plan's)
        PLAN = "plan", _("Plan and draw announcement")  # 抽查计划公示

    # The series letters printed in the number: <county>-<letters>-<year>-<n>.
    SERIES = {
        Kind.RECORD: "JL",
        Kind.REINSPECTION: "FC",
        Kind.RESULT: "GS",
        Kind.RESULTS: "JG",
        Kind.PLAN: "JH",
    }
    ABOUT_PLAN = (Kind.RESULTS, Kind.PLAN)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    number = models.CharField(_("document number"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = user_field(_("issued by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "inspection"],
                condition=models.Q(inspection__isnull=False),
                name="one_document_per_kind_and_inspection",
            ),
            models.UniqueConstraint(
                fields=["kind", "plan"],
                condition=models.Q(plan__isnull=False),
                name="one_document_per_kind_and_plan",
            ),
            models.CheckConstraint(
                condition=models.Q(inspection__isnull=True) ^ models.Q(plan__isnull=True),
                name="document_is_about_an_inspection_or_a_plan",
            ),
        ]

    def __str__(self):
        return self.number
