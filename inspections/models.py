"""The domain of supervision: spot-check plans, their draws, and the inspections
a draw creates."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from checklists.models import ChecklistTemplate, ChecklistVersion, Item
from checklists.scoring import Result
from registry import limits
from registry.audited import AuditedManager, AuditedQuerySet
from registry.models import Category, Department, Facility, InspectorProfile, Region

DEFAULT_RATIOS = {"A": 5, "B": 20, "C": 40, "D": 80}


def _user_field(label, **options):
    """Who did something. PROTECT: an account that acted is deactivated, never deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        **options,
    )


def _percent(label, default):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)]
    )


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
    ratio_a = _percent(_("ratio for class A (%)"), DEFAULT_RATIOS["A"])
    ratio_b = _percent(_("ratio for class B (%)"), DEFAULT_RATIOS["B"])
    ratio_c = _percent(_("ratio for class C (%)"), DEFAULT_RATIOS["C"])
    ratio_d = _percent(_("ratio for class D (%)"), DEFAULT_RATIOS["D"])
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
    created_by = _user_field(_("created by"), null=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = _user_field(_("approved by"), null=True, blank=True)

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
    def approve(self):
        """Declared transition: an approved plan is public and can no longer change."""


class PlanTemplate(models.Model):
    """A checklist on the plan's list of items (随机抽查事项清单), key or ordinary."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="checklists"
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.BooleanField(_("key item (重点)"), default=False)
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
        waiting = (
            Inspection.objects.filter(draw=models.OuterRef("pk"), started_at=None)
            .exclude(status=Inspection.Status.CANCELLED)
            .order_by()
        )
        return self.exclude(status=Draw.Status.FROZEN).filter(
            ~models.Q(plan__notice=Plan.Notice.UNANNOUNCED) | ~models.Exists(waiting)
        )


class Draw(models.Model):
    """One run of the publicly verifiable lottery for a plan (see inspections.drawing)."""

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
    frozen_by = _user_field(_("frozen by"), null=True)
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
    drawn_by = _user_field(_("drawn by"), null=True, blank=True)
    selected = models.JSONField(_("selected"), default=dict, blank=True)
    assignments = models.JSONField(_("assignments"), default=list, blank=True)
    next_k = models.JSONField(default=dict, blank=True, editable=False)
    substitutions = models.JSONField(_("substitutions"), default=list, blank=True)
    failure = models.TextField(_("why the draw failed"), blank=True)
    void_reason = models.TextField(_("why it was voided"), blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = _user_field(_("voided by"), null=True, blank=True)

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

    @status.transition(source=Status.FROZEN, target=Status.VALID)
    def complete(self):
        """Declared transition: the public value was entered and every team was drawn."""

    @status.transition(source=Status.FROZEN, target=Status.FAILED)
    def fail(self):
        """Declared transition: some facility could not get a full team; nothing assigned."""

    @status.transition(source=[Status.FROZEN, Status.VALID], target=Status.VOID)
    def void(self):
        """Declared transition: voided by a bureau lead with a written reason; stays public."""

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


class Inspection(models.Model):
    """One visit to one facility: by a drawn team (routine, special), a team a
    bureau lead sends (case-triggered, re-inspection), or the facility itself
    (self-inspection)."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("Routine (日常)")
        SPECIAL = "special", _("Special campaign (专项)")
        CASE = "case", _("Case-triggered (个案)")
        SELF = "self", _("Self-inspection (自查)")
        REINSPECTION = "reinspection", _("Re-inspection (复查)")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("On site")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="inspections"
    )
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    draw = models.ForeignKey(
        Draw,
        verbose_name=_("draw"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unannounced = models.BooleanField(_("unannounced"), default=False)
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    status = fsm.FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    # Where it came from besides plan and draw: the complaint or lead of a
    # case-triggered inspection, the inspection a re-inspection follows up.
    source_note = models.TextField(_("complaint or lead"), blank=True)
    source_inspection = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reinspections",
    )
    created_by = _user_field(_("opened by"), null=True, blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    notified_at = models.DateTimeField(_("facility notified at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    started_by = _user_field(_("started by"), null=True, blank=True)
    start_latitude = models.DecimalField(
        _("latitude at start"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_longitude = models.DecimalField(
        _("longitude at start"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_accuracy = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = _user_field(_("finished by"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    # The facility's acknowledgement of receipt (签收) or its refusal (拒签).
    signer_name = models.CharField(_("signed by (facility)"), max_length=100, blank=True)
    signature_text = models.CharField(_("typed signature"), max_length=100, blank=True)
    signature_image = models.TextField(_("drawn signature"), blank=True, editable=False)
    signature_refused = models.BooleanField(_("refused to sign"), default=False)
    signature_note = models.CharField(_("note on the signature"), max_length=500, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    cancelled_reason = models.CharField(_("why it was cancelled"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["window_start", "facility__name", "pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return _("Inspection of %(facility)s") % {"facility": self.facility}

    def get_absolute_url(self):
        return reverse("inspections:inspection_detail", args=[self.pk])

    @property
    def is_self(self):
        return self.kind == self.Kind.SELF

    @property
    def needs_notice(self):
        """Drawn inspections with notice: the facility hears 3 working days ahead."""
        return self.kind in (self.Kind.ROUTINE, self.Kind.SPECIAL) and not self.unannounced

    @property
    def is_signed(self):
        return bool(self.signed_at)

    @status.transition(source=Status.SCHEDULED, target=Status.IN_PROGRESS)
    def start(self):
        """Declared transition: a team member (or the manager, for a self-inspection)
        begins on site."""

    @status.transition(source=Status.IN_PROGRESS, target=Status.FINISHED)
    def finish(self):
        """Declared transition: every answer given, the team confirmed, the facility
        signed or refused; the result is fixed and hazards registered."""

    @status.transition(source=Status.SCHEDULED, target=Status.CANCELLED)
    def cancel(self):
        """Declared transition: not carried out, with ``cancelled_reason``: the draw that
        created it was voided, or the plan's window ended, before it started."""

    def may_start_on(self, day):
        """A drawn inspection starts within its plan's window only; one a lead or the
        facility opens (case, self, re-inspection) keeps no plan window."""
        return self.plan_id is None or self.window_start <= day <= self.window_end


class TeamMember(models.Model):
    """An inspector on an inspection's team, in draw order; replaced members stay, inactive."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="team"
    )
    inspector = models.ForeignKey(
        InspectorProfile,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    active = models.BooleanField(_("active"), default=True)
    replaced_reason = models.CharField(_("why replaced"), max_length=500, blank=True)
    # A confirmation covers the answers as they were: a later change clears it.
    confirmed_at = models.DateTimeField(_("confirmed the record at"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "-active", "position"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self):
        return f"{self.inspector} @ {self.inspection_id}"


class InspectionChecklist(models.Model):
    """A checklist version the inspection uses, attributed to its department."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="checklists",
    )
    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.BooleanField(_("key item (重点)"), default=False)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "-key", "pk"]
        verbose_name = _("inspection checklist")
        verbose_name_plural = _("inspection checklists")

    def __str__(self):
        return str(self.version)


class Answer(models.Model):
    """One checklist item answered on one inspection, saved on its own.

    ``revision`` counts saves: a save based on an older revision than the stored
    one is refused, so two inspectors cannot overwrite each other unseen.
    """

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="answers"
    )
    # Either a checklist item or an open hazard re-checked on site (复查).
    item = models.ForeignKey(
        Item,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rechecked_hazard = models.ForeignKey(
        "Hazard",
        verbose_name=_("hazard re-checked"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rechecks",
    )
    value = models.CharField(_("answer"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    location = models.CharField(_("exact location"), max_length=200, blank=True)
    # A failed item's deadline in working days: never longer than the item's default.
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"), null=True)
    corrected = models.BooleanField(_("corrected on the spot"), default=False)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    answered_by = _user_field(_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="one_answer_per_item"),
            models.UniqueConstraint(
                fields=["inspection", "rechecked_hazard"], name="one_recheck_per_hazard"
            ),
            models.CheckConstraint(
                condition=models.Q(item__isnull=True) ^ models.Q(rechecked_hazard__isnull=True),
                name="answer_is_item_or_recheck",
            ),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.key}: {self.value}"

    @property
    def key(self):
        return answer_key(self.item_id, self.rechecked_hazard_id)


class Recheck(models.TextChoices):
    """Re-check of an open hazard on site (复查意见)."""

    FIXED = "fixed", _("Fixed")
    PARTLY = "partly", _("Partly fixed")
    NOT_FIXED = "not_fixed", _("Not fixed")


def answer_key(item_id=None, hazard_id=None):
    """The key an answer is posted under: ``i<item pk>`` or ``h<hazard pk>``."""
    return f"i{item_id}" if item_id else f"h{hazard_id}"


def evidence_storage():
    """Private storage for evidence: never mapped to a URL (see settings.STORAGES)."""
    from django.core.files.storage import storages

    return storages["evidence"]


# How far ahead of the server a camera's clock may run before its time is doubted.
CAMERA_CLOCK_SLACK = timedelta(minutes=15)


class Photo(models.Model):
    """An evidence photo: the original kept unchanged and private, with the
    derivatives that are the only thing ever served."""

    class Purpose(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        AFTER = "after", _("After correction")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="photos"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    answer = models.ForeignKey(
        Answer,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    hazard = models.ForeignKey(
        "Hazard",
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    rectification = models.ForeignKey(
        "Rectification",
        verbose_name=_("rectification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
    )
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.EVIDENCE
    )
    original = models.FileField(_("original"), storage=evidence_storage, upload_to="originals/")
    preview = models.FileField(_("preview"), storage=evidence_storage, upload_to="previews/")
    thumbnail = models.FileField(_("thumbnail"), storage=evidence_storage, upload_to="thumbs/")
    sha256 = models.CharField(_("SHA-256 of the original"), max_length=64)
    format = models.CharField(_("format"), max_length=10)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    # What the camera's clock said (EXIF), kept as evidence but never trusted: the
    # photo's time is ``uploaded_at``, when the server received it.
    camera_time = models.DateTimeField(
        _("time claimed by the camera (EXIF)"), null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude (EXIF)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (EXIF)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    uploaded_by = _user_field(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.sha256[:12]} ({self.format})"

    @property
    def camera_time_doubtful(self):
        """Whether the camera's claimed time cannot be when the photo was taken: after
        it was received (beyond a clock running a little fast), or more than
        ``PHOTO_CAMERA_TIME_MAX_AGE_DAYS`` before."""
        if self.camera_time is None:
            return False
        earliest = self.uploaded_at - timedelta(days=settings.PHOTO_CAMERA_TIME_MAX_AGE_DAYS)
        return not earliest <= self.camera_time <= self.uploaded_at + CAMERA_CLOCK_SLACK

    @property
    def public_name(self):
        """Storage name of the copy shown on the public site: made from the original
        when a lead chooses the photo, stamped without the inspector's name."""
        return f"public/{self.pk}-{self.sha256[:16]}.jpg"


class EvidenceAccess(models.Model):
    """Who saw which evidence photo, and when (the access log auditors read)."""

    photo = models.ForeignKey(
        Photo, verbose_name=_("photo"), on_delete=models.PROTECT, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    variant = models.CharField(_("variant"), max_length=10)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("evidence access")
        verbose_name_plural = _("evidence accesses")

    def __str__(self):
        return f"{self.user} {self.variant} {self.photo_id}"


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


class Hazard(models.Model):
    """A registered hazard (挂号): one line of the register (隐患台账)."""

    class Severity(models.TextChoices):
        GENERAL = "general", _("General hazard")
        MAJOR = "major", _("Major hazard")

    class Source(models.TextChoices):
        ROUTINE = "routine", _("Routine inspection")
        SPECIAL = "special", _("Special campaign")
        CASE = "case", _("Case-triggered inspection")
        SELF = "self", _("Self-inspection")
        COMPLAINT = "complaint", _("Complaint")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        RECTIFYING = "rectifying", _("Rectifying")
        AWAITING = "awaiting_verification", _("Awaiting verification")
        CLOSED = "closed", _("Closed")
        OVERDUE = "overdue", _("Overdue")

    OPEN = (Status.REGISTERED, Status.RECTIFYING, Status.AWAITING, Status.OVERDUE)

    register_no = models.CharField(_("register number"), max_length=30, unique=True)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="hazards"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("found by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    answer = models.OneToOneField(
        Answer,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazard",
    )
    item = models.ForeignKey(
        Item,
        verbose_name=_("checklist item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item_code = models.CharField(_("item code"), max_length=40, blank=True)
    department = models.CharField(_("department"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=20, blank=True)
    severity = models.CharField(_("class"), max_length=10, choices=Severity.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    self_reported = models.BooleanField(_("self-reported"), default=False)
    location = models.CharField(_("exact location"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    found_on = models.DateField(_("found on"))
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"))
    due_on = models.DateField(_("due on"))
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    status = fsm.FSMField(
        _("status"), max_length=30, choices=Status.choices, default=Status.REGISTERED
    )
    corrected_on_spot = models.BooleanField(_("corrected on the spot"), default=False)
    notice = models.ForeignKey(
        "RectificationNotice",
        verbose_name=_("rectification notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = _user_field(_("closed by"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self):
        return f"{self.register_no} {self.description[:30]}"

    def get_absolute_url(self):
        return reverse("inspections:hazard_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in self.OPEN

    @status.transition(source=Status.REGISTERED, target=Status.CLOSED)
    def close_on_spot(self):
        """Declared transition: a general hazard the team saw corrected on site,
        closed by the inspector with an after photo."""

    @status.transition(source=Status.REGISTERED, target=Status.RECTIFYING)
    def start_rectifying(self):
        """Declared transition: the facility acknowledged the rectification notice."""

    @status.transition(source=[Status.RECTIFYING, Status.OVERDUE], target=Status.AWAITING)
    def submit(self):
        """Declared transition: the facility reports what it did, with after photos."""

    @status.transition(source=Status.AWAITING, target=Status.CLOSED)
    def accept(self):
        """Declared transition: an inspector or lead of the county verified the fix (销号)."""

    @status.transition(source=Status.AWAITING, target=Status.RECTIFYING)
    def reject(self):
        """Declared transition: the fix was not accepted; the deadline does not move."""

    @status.transition(source=[Status.REGISTERED, Status.RECTIFYING], target=Status.OVERDUE)
    def mark_overdue(self):
        """Declared transition: the due date passed before the fix was submitted."""

    @status.transition(source=Status.OVERDUE, target=Status.RECTIFYING)
    def extend(self):
        """Declared transition: an extension decided after the old date gives a new one."""

    @status.transition(
        source=[Status.REGISTERED, Status.RECTIFYING, Status.OVERDUE], target=Status.CLOSED
    )
    def close_on_recheck(self):
        """Declared transition: inspectors re-checking on site found a general hazard fixed."""


class Supervision(models.Model):
    """挂牌督办 of a major hazard: the supervising lead, the facility's "five in place"
    plan (五落实), monthly progress notes, and the lead's sign-off that closes it."""

    hazard = models.OneToOneField(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="supervision"
    )
    lead = _user_field(_("supervising lead"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    plan_due_on = models.DateField(_("plan due on"))
    plan_due_provisional = models.BooleanField(_("plan due date provisional"), default=False)
    measures = models.TextField(_("measures"), blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    funds = models.CharField(_("funds"), max_length=200, blank=True)
    plan_deadline = models.DateField(_("plan deadline"), null=True, blank=True)
    contingency_plan = models.TextField(_("contingency plan"), blank=True)
    plan_filed_at = models.DateTimeField(_("plan filed at"), null=True, blank=True)
    plan_filed_by = _user_field(_("plan filed by"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = _user_field(_("signed off by"), null=True, blank=True)
    sign_off_note = models.TextField(_("sign-off note"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")

    def __str__(self):
        return self.hazard.register_no


class SupervisionNote(models.Model):
    """A monthly progress note on a supervised major hazard."""

    supervision = models.ForeignKey(
        Supervision, verbose_name=_("supervision"), on_delete=models.PROTECT, related_name="notes"
    )
    text = models.TextField(_("progress"))
    written_by = _user_field(_("written by"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self):
        return f"{self.supervision} {timezone.localdate(self.written_at):%Y-%m-%d}"


class HazardAlarm(models.Model):
    """A deadline alarm of a hazard that has gone off: unique per hazard, kind and key
    (the due date or month it is about), so no alarm is acted on twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Reminder before the due date")
        DUE = "due", _("Reminder on the due date")
        OVERDUE = "overdue", _("Overdue")
        PLAN_LATE = "plan_late", _("Supervision plan late")
        PROGRESS = "progress", _("Monthly progress reminder")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("about"), max_length=10)
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)
    # False when it went off too late to still make sense (the dispatcher was down).
    sent = models.BooleanField(_("sent"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hazard", "fired_at", "pk"]
        verbose_name = _("hazard alarm")
        verbose_name_plural = _("hazard alarms")
        constraints = [
            models.UniqueConstraint(fields=["hazard", "kind", "key"], name="hazard_alarm_once")
        ]

    def __str__(self):
        return f"{self.hazard.register_no} {self.kind} {self.key}"


class RectificationNotice(models.Model):
    """整改通知书: issued when an inspection finishes with open hazards."""

    number = models.CharField(_("notice number"), max_length=40, unique=True)
    inspection = models.OneToOneField(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="notice"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="notices"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = _user_field(_("issued by"), null=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = _user_field(_("acknowledged by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")

    def __str__(self):
        return self.number


class Rectification(models.Model):
    """What the facility did about one hazard, and the verifier's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="rectifications"
    )
    description = models.TextField(_("what was done"))
    interim_measures = models.TextField(_("interim measures"), blank=True)
    submitted_by = _user_field(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = _user_field(_("decided by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hazard", "submitted_at", "pk"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self):
        return f"{self.hazard.register_no} {self.get_decision_display()}"


class Extension(models.Model):
    """A request to move a hazard's due date (延期), and the bureau's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="extensions"
    )
    previous_due = models.DateField(_("due date before"))
    requested_due = models.DateField(_("requested due date"))
    reasons = models.TextField(_("reasons"))
    interim_measures = models.TextField(_("interim measures"))
    requested_by = _user_field(_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = _user_field(_("decided by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hazard", "requested_at", "pk"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self):
        return f"{self.hazard.register_no} → {self.requested_due}"


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
    returned_reason = models.CharField(_("why it was returned"), max_length=500, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = _user_field(_("returned by"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("why it was withdrawn"), max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = _user_field(_("withdrawn by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
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

    @property
    def is_public(self):
        return self.current_id is not None

    @status.transition(source=[Status.PENDING, Status.RETURNED], target=Status.PUBLISHED)
    def publish(self):
        """Declared transition: a bureau lead publishes the reviewed result."""

    @status.transition(source=Status.PENDING, target=Status.RETURNED)
    def send_back(self):
        """Declared transition: a bureau lead returns it with a reason."""

    @status.transition(source=Status.RETURNED, target=Status.PENDING)
    def resubmit(self):
        """Declared transition: the team revised the proposal and asks again."""

    @status.transition(source=Status.PUBLISHED, target=Status.PUBLISHED)
    def correct(self):
        """Declared transition: a correction publishes a new version with a reason."""

    @status.transition(source=Status.PUBLISHED, target=Status.WITHDRAWN)
    def withdraw(self):
        """Declared transition: taken down; a public notice of it and its reason stays."""


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
    published_by = _user_field(_("published by"), null=True)

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
    issued_by = _user_field(_("issued by"), null=True, blank=True)

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
