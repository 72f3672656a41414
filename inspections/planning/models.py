"""Planning: spot-check plans (抽查计划), their checklists and the draws that pick
facilities and inspectors."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from checklists.models import ChecklistTemplate, ChecklistVersion
from core import limits
from core.audited import AuditedManager, AuditedQuerySet
from core.fields import percent_field, user_field
from registry.models import Category, Department, Facility, Region, User

DEFAULT_RATIOS = {"A": 5, "B": 20, "C": 40, "D": 80}


class Plan(models.Model):
    """A spot-check plan (抽查计划): whom to draw from, who may inspect, with what."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("Routine (日常)")
        SPECIAL = "special", _("Special campaign (专项)")

    class Notice(models.TextChoices):
        NOTICE = "notice", _("3 working days' notice")
        UNANNOUNCED = "unannounced", _("Unannounced (四不两直)")

    class Filed(models.TextChoices):
        ALL = "all", _("Filed and unfiled")
        FILED = "filed", _("Filed only")
        UNFILED = "unfiled", _("Unfiled only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved and published")

    name = models.CharField(_("name"), max_length=200)
    # The county (or city) the plan belongs to: who may see and run it.
    region = models.ForeignKey(
        Region, verbose_name=_("owning region"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ROUTINE)
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        related_name="led_plans",
    )
    joining_departments = models.ManyToManyField(
        Department, verbose_name=_("joining departments"), blank=True, related_name="joint_plans"
    )
    # Facility scope.
    scope_regions = models.ManyToManyField(
        Region, verbose_name=_("facility regions"), related_name="scoped_plans"
    )
    scope_types = models.JSONField(_("facility types"), default=list, blank=True)
    scope_filed = models.CharField(
        _("filing status"), max_length=10, choices=Filed.choices, default=Filed.ALL
    )
    ratio_a = percent_field(_("ratio for class A (%)"), DEFAULT_RATIOS["A"])
    ratio_b = percent_field(_("ratio for class B (%)"), DEFAULT_RATIOS["B"])
    ratio_c = percent_field(_("ratio for class C (%)"), DEFAULT_RATIOS["C"])
    ratio_d = percent_field(_("ratio for class D (%)"), DEFAULT_RATIOS["D"])
    # Quarterly plans add up to the year's ratios instead of repeating them: each class
    # yields only what the year still lacks (inspections.credit.coverage).
    cover_remaining = models.BooleanField(_("cover what remains this year"), default=False)
    # Inspector pool.
    pool_departments = models.ManyToManyField(
        Department, verbose_name=_("inspector departments"), related_name="pool_plans"
    )
    pool_regions = models.ManyToManyField(
        Region, verbose_name=_("inspector regions"), related_name="pool_plans"
    )
    pool_categories = models.JSONField(_("required qualifications"), default=list, blank=True)
    team_size = models.PositiveSmallIntegerField(
        _("inspectors per inspection"), default=2, validators=[MinValueValidator(2)]
    )
    max_per_inspector = models.PositiveSmallIntegerField(
        _("most inspections per inspector"), default=5, validators=[MinValueValidator(1)]
    )
    notice = models.CharField(
        _("notice"), max_length=20, choices=Notice.choices, default=Notice.NOTICE
    )
    exclude_last_inspectors = models.BooleanField(
        _("exclude the inspectors of each facility's previous inspection"), default=True
    )
    status = fsm.FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = user_field(_("created by"), null=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = user_field(_("approved by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords(
        m2m_fields=[joining_departments, scope_regions, pool_departments, pool_regions]
    )

    class Meta:
        ordering = ["-year", "-window_start", "-pk"]
        verbose_name = _("spot-check plan")
        verbose_name_plural = _("spot-check plans")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inspections:plan_detail", args=[self.pk])

    @property
    def ratios(self):
        return {"A": self.ratio_a, "B": self.ratio_b, "C": self.ratio_c, "D": self.ratio_d}

    @property
    def scope_type_labels(self):
        labels = dict(Facility.Type.choices)
        return [labels.get(t, t) for t in self.scope_types]

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def unannounced(self):
        return self.notice == self.Notice.UNANNOUNCED

    def clean(self):
        errors = {}
        if self.window_start and self.window_end and self.window_end < self.window_start:
            errors["window_end"] = _("The window cannot end before it starts.")
        elif (
            self.window_start
            and self.window_end
            and self.window_end > limits.add_months(self.window_start, 12)
        ):
            errors["window_end"] = _("The window lasts at most a year.")
        if self.window_start and self.year and self.window_start.year != self.year:
            errors["window_start"] = _("The window must start in the plan's year.")
        unknown = set(self.scope_types or []) - set(Facility.Type.values)
        if unknown:
            errors["scope_types"] = _("Unknown facility type.")
        unknown = set(self.pool_categories or []) - set(Category.values)
        if unknown:
            errors["pool_categories"] = _("Unknown category.")
        if errors:
            raise ValidationError(errors)

    @status.transition(source=Status.DRAFT, target=Status.APPROVED)
    def approve(self, *, by: User | None) -> None:
        """Declared transition: an approved plan is public and can no longer change."""
        self.approved_at = timezone.now()
        self.approved_by = by


class PlanDepartment(models.Model):
    """A department of a joint plan (部门联合抽查): how many of its own inspectors each
    team takes from its pool, and who verifies the hazards its items find.

    A plan with departments is joint: the draw takes each department's inspectors from
    that department's pool (algorithm ``sha256-rank-v3``), each answers only its own
    department's checklists, and its hazards are verified by it or by its delegate."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="departments"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    team_size = models.PositiveSmallIntegerField(
        _("inspectors per inspection"), default=1, validators=[MinValueValidator(1)]
    )
    # Another department of the plan that verifies this one's hazards (blank: itself).
    delegate = models.ForeignKey(
        Department,
        verbose_name=_("verification delegated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "department__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "department"], name="plan_department_once")
        ]
        verbose_name = _("plan department")
        verbose_name_plural = _("plan departments")

    def __str__(self):
        return f"{self.plan} · {self.department}"

    @property
    def verifying_department(self):
        return self.delegate or self.department


class PlanTemplate(models.Model):
    """A checklist on the plan's list of items (随机抽查事项清单), key or ordinary."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="checklists"
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.BooleanField(_("key item (重点)"), default=False)
    # In a joint plan: the department whose inspectors answer this checklist.
    department = models.ForeignKey(
        Department,
        verbose_name=_("answering department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Pinned when the plan is approved: every inspection of the plan uses this version.
    version = models.ForeignKey(
        ChecklistVersion,
        verbose_name=_("version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-key", "template__category", "template__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "template"], name="plan_template_once")
        ]
        verbose_name = _("plan checklist")
        verbose_name_plural = _("plan checklists")

    def __str__(self):
        return f"{self.plan} · {self.template}"


class DrawQuerySet(AuditedQuerySet):
    def revealed(self):
        """Draws whose record (secret included) is public: the one definition of reveal,
        behind ``Draw.is_revealed``, the public site, the documents and the API.

        A draw that has run (or failed, or was voided) with notice is public at once.
        Unannounced, it stays hidden while any of its inspections is neither started
        nor cancelled, so no facility can tell it was drawn while a visit may still
        come. Those not started are cancelled by a void, or at the end of the plan's
        window (``plan_windows_close``; none may start after it). Reveal reads only
        that state, never the date: should the sweep be late, the draw stays hidden a
        little longer rather than show visits as pending that can no longer happen.
        """
        # Inspections sit downstream of planning (they point at their draw).
        from inspections.onsite.models import Inspection

        waiting = (
            Inspection.objects.filter(draw=models.OuterRef("pk"), started_at=None)
            .exclude(status=Inspection.Status.CANCELLED)
            .order_by()
        )
        return self.exclude(status=Draw.Status.FROZEN).filter(
            ~models.Q(plan__notice=Plan.Notice.UNANNOUNCED) | ~models.Exists(waiting)
        )


class Draw(models.Model):
    """One run of the publicly verifiable lottery for a plan (see inspections.planning.drawing)."""

    class Status(models.TextChoices):
        FROZEN = "frozen", _("Frozen, waiting for the public value")
        VALID = "valid", _("Drawn")
        FAILED = "failed", _("Failed")
        VOID = "void", _("Void")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="draws"
    )
    status = fsm.FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.FROZEN)
    algorithm = models.CharField(_("algorithm"), max_length=40)
    frozen_at = models.DateTimeField(_("frozen at"))
    frozen_by = user_field(_("frozen by"), null=True)
    # Never shown, never in history, until the draw is revealed.
    secret = models.CharField(_("secret"), max_length=64)
    commitment = models.CharField(_("commitment"), max_length=64)
    candidates = models.JSONField(_("frozen candidates"))
    candidates_sha256 = models.CharField(_("candidates SHA-256"), max_length=64)
    # Internal: the object behind each published code at freeze time.
    code_map = models.JSONField(default=dict, editable=False)
    public_entropy = models.CharField(_("public random value"), max_length=500, blank=True)
    public_entropy_source = models.CharField(
        _("source of the public value"), max_length=500, blank=True
    )
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = user_field(_("drawn by"), null=True, blank=True)
    selected = models.JSONField(_("selected"), default=dict, blank=True)
    assignments = models.JSONField(_("assignments"), default=list, blank=True)
    next_k = models.JSONField(default=dict, blank=True, editable=False)
    substitutions = models.JSONField(_("substitutions"), default=list, blank=True)
    failure = models.TextField(_("why the draw failed"), blank=True)
    void_reason = models.TextField(_("why it was voided"), blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_field(_("voided by"), null=True, blank=True)

    objects = models.Manager.from_queryset(DrawQuerySet)()
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["-frozen_at", "-pk"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")

    def __str__(self):
        return _("Draw %(n)s of %(plan)s") % {"n": self.pk, "plan": self.plan}

    def get_absolute_url(self):
        return reverse("inspections:draw_detail", args=[self.pk])

    def _drawn(self, by: User | None) -> None:
        # A draw that failed was drawn too: both outcomes stamp the one run.
        self.drawn_at = timezone.now()
        self.drawn_by = by

    @status.transition(source=Status.FROZEN, target=Status.VALID)
    def complete(self, *, by: User | None) -> None:
        """Declared transition: the public value was entered and every team was drawn."""
        self._drawn(by)

    @status.transition(source=Status.FROZEN, target=Status.FAILED)
    def fail(self, *, by: User | None) -> None:
        """Declared transition: some facility could not get a full team; nothing assigned."""
        self._drawn(by)

    @status.transition(source=[Status.FROZEN, Status.VALID], target=Status.VOID)
    def void(self, *, by: User | None, reason: str) -> None:
        """Declared transition: voided by a bureau lead with a written reason; stays public."""
        self.void_reason = reason
        self.voided_at = timezone.now()
        self.voided_by = by

    @property
    def is_open(self):
        """Frozen or valid: the plan has a live draw and cannot be frozen again."""
        return self.status in (self.Status.FROZEN, self.Status.VALID)

    @property
    def public_status(self):
        return "valid" if self.status == self.Status.VALID else "void"

    @property
    def public_void_reason(self):
        if self.status == self.Status.VALID:
            return None
        return self.void_reason or self.failure or None

    def is_revealed(self):
        """Whether the record (secret included) is public; see ``DrawQuerySet.revealed``."""
        return Draw.objects.filter(pk=self.pk).revealed().exists()
