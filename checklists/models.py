"""What is checked: checklist templates, their immutable published versions,
sections and items, with applicability rules and a scoring rule per version."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from core import limits
from core.audited import AuditedManager
from registry.models import Category as InspectionCategory
from registry.models import Department, Region, User


class Category(models.TextChoices):
    FIRE = InspectionCategory.FIRE.value, InspectionCategory.FIRE.label
    FOOD = InspectionCategory.FOOD.value, InspectionCategory.FOOD.label
    BUILDING = InspectionCategory.BUILDING.value, InspectionCategory.BUILDING.label
    MEDICAL = InspectionCategory.MEDICAL.value, InspectionCategory.MEDICAL.label
    SERVICE = InspectionCategory.SERVICE.value, InspectionCategory.SERVICE.label
    ADMINISTRATION = "administration", _("Licences and administration")


class PublishedVersionError(ValidationError):
    """Raised on any attempt to change a published checklist version or its contents."""

    def __init__(self):
        super().__init__(
            _("A published checklist version can never be changed; create a new draft instead."),
            code="published",
        )


class ChecklistTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    department = models.CharField(
        _("owning department"), max_length=20, choices=Department.Kind.choices
    )
    description = limits.text_field(_("description"), limit=limits.TEXT, blank=True)
    # No owning region: a shared template of the standard library, used by every county;
    # publishing it needs the PUBLISH_SHARED permission (see checklists.policy).
    region = models.ForeignKey(
        Region,
        verbose_name=_("owning region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for a shared checklist of the standard library."),
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        permissions = [("publish_shared_template", _("Publish shared checklists"))]

    def __str__(self):
        return f"{self.title} ({self.code})"

    @property
    def is_shared(self):
        return self.region_id is None

    def get_absolute_url(self):
        return reverse("checklists:template_detail", args=[self.pk])

    @property
    def current_version(self):
        """The newest published version: what new inspections use."""
        return (
            self.versions.filter(status=ChecklistVersion.Status.PUBLISHED)
            .order_by("-number")
            .first()
        )


class ChecklistVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        PUBLISHED = "published", _("Published")

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    status = fsm.FSMField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    # Scoring rule: percentage of the weight of applicable, answered items that passed.
    pass_threshold = models.PositiveSmallIntegerField(
        _("pass threshold (%)"), default=85, validators=[MaxValueValidator(100)]
    )
    basic_threshold = models.PositiveSmallIntegerField(
        _("basic pass threshold (%)"), default=70, validators=[MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_version_number")
        ]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")

    def __str__(self):
        return f"{self.template.title} v{self.number}"

    def get_absolute_url(self):
        return reverse("checklists:version_detail", args=[self.pk])

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_submitted(self):
        return self.status == self.Status.SUBMITTED

    def _stored_status(self):
        if self.pk is None:
            return None
        return (
            type(self)._default_manager.filter(pk=self.pk).values_list("status", flat=True).first()
        )

    def save(self, *args, **kwargs):
        # The row as stored decides: a published version is frozen for everyone,
        # whatever path (service, form, admin, shell) tries to save it.
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedVersionError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedVersionError()
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.basic_threshold > self.pass_threshold:
            raise ValidationError(
                {"basic_threshold": _("The basic pass threshold cannot exceed the pass threshold.")}
            )

    @status.transition(source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self, *, by: User | None) -> None:
        """Declared transition: a draft of a shared template waits for someone who may
        publish it; it cannot be changed meanwhile."""
        self.submitted_at = timezone.now()
        self.submitted_by = by

    @status.transition(source=Status.SUBMITTED, target=Status.DRAFT)
    def withdraw(self) -> None:
        """Declared transition: back to an editable draft (by its authors or the approver);
        the submission it undoes is no longer stamped."""
        self.submitted_at = None
        self.submitted_by = None

    @status.transition(source=[Status.DRAFT, Status.SUBMITTED], target=Status.PUBLISHED)
    def publish(self, *, by: User | None) -> None:
        """Declared transition: draft or submitted → published; there is no way back."""
        self.published_at = timezone.now()
        self.published_by = by


class _FrozenWithVersion(models.Model):
    """Sections and items are frozen with their version once it is published."""

    class Meta:
        abstract = True

    def _version_is_published(self):
        version_id = self.version_id
        return (
            version_id is not None
            and ChecklistVersion._default_manager.filter(
                pk=version_id, status=ChecklistVersion.Status.PUBLISHED
            ).exists()
        )

    def save(self, *args, **kwargs):
        if self._version_is_published():
            raise PublishedVersionError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._version_is_published():
            raise PublishedVersionError()
        return super().delete(*args, **kwargs)


class Section(_FrozenWithVersion):
    version = models.ForeignKey(
        ChecklistVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    applies_if = models.JSONField(_("applies only if"), default=dict, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.title


class Item(_FrozenWithVersion):
    class AnswerType(models.TextChoices):
        PASS_FAIL = "pass_fail", _("Pass / fail / not applicable")
        NUMBER = "number", _("Number with unit and pass range")
        CHOICE = "choice", _("Choice from a list")
        TEXT = "text", _("Free text")

    class Hazard(models.TextChoices):
        NONE = "none", _("No hazard")
        GENERAL = "general", _("General hazard")
        MAJOR = "major", _("Major hazard")

    version = models.ForeignKey(
        ChecklistVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    code = models.CharField(_("item code"), max_length=40)
    question = limits.text_field(_("question"), limit=limits.SHORT)
    question_en = limits.text_field(_("question (English)"), limit=limits.SHORT, blank=True)
    guidance = limits.text_field(_("guidance for the inspector"), limit=limits.TEXT, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    answer_type = models.CharField(
        _("answer type"), max_length=20, choices=AnswerType.choices, default=AnswerType.PASS_FAIL
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("lowest passing value"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("highest passing value"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    # [{"value": "...", "label": "...", "passes": true}, ...]
    choices = models.JSONField(_("choices"), default=list, blank=True)
    hazard = models.CharField(
        _("hazard when failed"), max_length=10, choices=Hazard.choices, default=Hazard.GENERAL
    )
    # 0 = correct immediately (责令立即改正); otherwise working days.
    deadline_days = models.PositiveSmallIntegerField(
        _("default deadline (working days, 0 = immediately)"),
        default=15,
        validators=[MaxValueValidator(130)],
    )
    # "应立即停止使用": a failure calls for an immediate control order besides the deadline.
    stop_use = models.BooleanField(_("failure calls for an immediate control order"), default=False)
    photo_on_fail = models.BooleanField(_("photo required when failed"), default=True)
    photo_on_pass = models.BooleanField(_("photo required when passed"), default=False)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    applies_if = models.JSONField(_("applies only if"), default=dict, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_item_code_in_version")
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return f"{self.code} {self.question[:40]}"

    def clean(self):
        from .rules import RuleError, validate_rule

        errors = {}
        if self.answer_type == self.AnswerType.NUMBER and (
            self.min_value is None and self.max_value is None
        ):
            errors["min_value"] = _("A number item needs a lowest or highest passing value.")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = _("The highest passing value is below the lowest.")
        if self.answer_type == self.AnswerType.CHOICE:
            if len(self.choices or []) < 2:
                errors["choices"] = _("A choice item needs at least two choices.")
        try:
            validate_rule(self.applies_if)
        except RuleError as exc:
            errors["applies_if"] = str(exc)
        if errors:
            raise ValidationError(errors)
