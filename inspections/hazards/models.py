"""Hazards (隐患台账): rectification notices, rectifications, extensions, major-hazard
supervision (挂牌督办) and the alarms that chase deadlines."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from checklists.models import Item
from core.audited import AuditedManager
from core.fields import user_field
from inspections.onsite.models import Answer, Inspection
from registry.models import Facility, Region, User


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
    # The facility's region, kept on the hazard (and moved with the facility,
    # ``inspections.receivers``) so that a region's register is one range of
    # one index in register-number order: the API walks it without passing through
    # every facility of the region.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # hazard_by_region leads with it
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
    # A joint inspection's hazard is verified by this department's inspectors only
    # (the answering department, or its delegate); blank: any inspector of the county.
    verifying_department = models.ForeignKey(
        "registry.Department",
        verbose_name=_("verifying department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
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
    closed_by = user_field(_("closed by"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    # When the dispatcher next acts on this hazard: the answer of the alarm rule
    # (inspections.hazards.schedule), stored by the domain with every change that
    # moves it. Derived from recorded data, so history leaves it out.
    next_alarm_at = models.DateTimeField(_("next alarm at"), null=True, editable=False)

    objects = AuditedManager()
    history = HistoricalRecords(excluded_fields=["next_alarm_at"])
    # django-simple-history's switch, set while the next alarm is stored (schedule).
    skip_history_when_saving: bool

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [
            # Open hazards by facility (the home page's numbers, the dashboard): the few
            # open ones are read without passing the years of closed ones. The statuses
            # are OPEN's (not visible from here; a test compares).
            models.Index(
                fields=["facility"],
                name="hazard_open_by_facility",
                condition=Q(
                    status__in=["registered", "rectifying", "awaiting_verification", "overdue"]
                ),
            ),
            # The dispatcher's query; only hazards with an alarm ahead are in it.
            models.Index(
                fields=["next_alarm_at"],
                name="hazard_next_alarm_due",
                condition=Q(next_alarm_at__isnull=False),
            ),
            # A region's register in register-number order (the API's pages and walk).
            models.Index(fields=["region", "register_no"], name="hazard_by_region"),
        ]

    def __str__(self) -> str:
        return f"{self.register_no} {self.description[:30]}"

    def save(self, *args, **kwargs):
        if self.region_id is None:
            self.region_id = self.facility.region_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("inspections:hazard_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def _closed(self, by: User | None, at: datetime | None) -> None:
        # Every closing transition stamps through here, once: when, and who (None: the system).
        self.closed_at = at or timezone.now()
        self.closed_by = by

    @status.transition(source=Status.REGISTERED, target=Status.CLOSED)
    def close_on_spot(self, *, by: User | None, at: datetime | None = None) -> None:
        """Declared transition: a general hazard the team saw corrected on site,
        closed by the inspector with an after photo."""
        self._closed(by, at)

    @status.transition(source=Status.REGISTERED, target=Status.RECTIFYING)
    def start_rectifying(self) -> None:
        """Declared transition: the facility acknowledged the rectification notice."""

    @status.transition(source=[Status.RECTIFYING, Status.OVERDUE], target=Status.AWAITING)
    def submit(self) -> None:
        """Declared transition: the facility reports what it did, with after photos."""

    @status.transition(source=Status.AWAITING, target=Status.CLOSED)
    def accept(self, *, by: User | None, at: datetime | None = None) -> None:
        """Declared transition: an inspector or lead of the county verified the fix
        (销号), or, for a major hazard, the supervising lead signed it off."""
        self._closed(by, at)

    @status.transition(source=Status.AWAITING, target=Status.RECTIFYING)
    def reject(self) -> None:
        """Declared transition: the fix was not accepted; the deadline does not move."""

    @status.transition(source=[Status.REGISTERED, Status.RECTIFYING], target=Status.OVERDUE)
    def mark_overdue(self) -> None:
        """Declared transition: the due date passed before the fix was submitted."""

    @status.transition(source=Status.OVERDUE, target=Status.RECTIFYING)
    def extend(self) -> None:
        """Declared transition: an extension decided after the old date gives a new one."""

    def raise_to_major(self) -> None:
        """情节严重的按重大: an open general hazard is treated as major from now on (its
        status does not change; the caller opens the supervision and records why)."""
        self.severity = self.Severity.MAJOR

    @status.transition(
        source=[Status.REGISTERED, Status.RECTIFYING, Status.OVERDUE], target=Status.CLOSED
    )
    def close_on_recheck(self, *, by: User | None, at: datetime | None = None) -> None:
        """Declared transition: inspectors re-checking on site found a general hazard fixed."""
        self._closed(by, at)


class Supervision(models.Model):
    """挂牌督办 of a major hazard: the supervising lead, the facility's "five in place"
    plan (五落实), monthly progress notes, and the lead's sign-off that closes it."""

    hazard = models.OneToOneField(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="supervision"
    )
    lead = user_field(_("supervising lead"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    plan_due_on = models.DateField(_("plan due on"))
    plan_due_provisional = models.BooleanField(_("plan due date provisional"), default=False)
    measures = models.TextField(_("measures"), blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    funds = models.CharField(_("funds"), max_length=200, blank=True)
    plan_deadline = models.DateField(_("plan deadline"), null=True, blank=True)
    contingency_plan = models.TextField(_("contingency plan"), blank=True)
    plan_filed_at = models.DateTimeField(_("plan filed at"), null=True, blank=True)
    plan_filed_by = user_field(_("plan filed by"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = user_field(_("signed off by"), null=True, blank=True)
    sign_off_note = models.TextField(_("sign-off note"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")

    def __str__(self) -> str:
        return self.hazard.register_no


class SupervisionNote(models.Model):
    """A monthly progress note on a supervised major hazard."""

    supervision = models.ForeignKey(
        Supervision, verbose_name=_("supervision"), on_delete=models.PROTECT, related_name="notes"
    )
    text = models.TextField(_("progress"))
    written_by = user_field(_("written by"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at", "-pk"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
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
        CHECK_DUE = "check_due", _("Reminder: verification due")
        CHECK_LATE = "check_late", _("Verification overdue")
        LADDER = "ladder", _("Escalation step")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("about"), max_length=20)
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

    def __str__(self) -> str:
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
    issued_by = user_field(_("issued by"), null=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = user_field(_("acknowledged by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")

    def __str__(self) -> str:
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
    submitted_by = user_field(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decision = fsm.FSMField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = user_field(_("decided by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hazard", "submitted_at", "pk"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")

    def __str__(self) -> str:
        return f"{self.hazard.register_no} {self.get_decision_display()}"

    def _decided(self, by: User, reason: str) -> None:
        self.decided_at = timezone.now()
        self.decided_by = by
        self.reason = reason

    @decision.transition(source=Decision.PENDING, target=Decision.ACCEPTED)
    def accept(self, *, by: User, reason: str = "") -> None:
        """Declared transition: the verifier accepted the fix (a major hazard's still
        waits for the supervising lead's sign-off)."""
        self._decided(by, reason)

    @decision.transition(source=Decision.PENDING, target=Decision.REJECTED)
    def reject(self, *, by: User, reason: str) -> None:
        """Declared transition: the verifier rejected the fix, with the reason."""
        self._decided(by, reason)


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
    requested_by = user_field(_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = fsm.FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = user_field(_("decided by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hazard", "requested_at", "pk"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self) -> str:
        return f"{self.hazard.register_no} → {self.requested_due}"

    def _decided(self, by: User, reason: str) -> None:
        self.decided_at = timezone.now()
        self.decided_by = by
        self.decision_reason = reason

    @status.transition(source=Status.PENDING, target=Status.APPROVED)
    def approve(self, *, by: User, reason: str = "") -> None:
        """Declared transition: a bureau lead of the county grants the new due date."""
        self._decided(by, reason)

    @status.transition(source=Status.PENDING, target=Status.REFUSED)
    def refuse(self, *, by: User, reason: str) -> None:
        """Declared transition: a bureau lead of the county refuses, with the reason."""
        self._decided(by, reason)
