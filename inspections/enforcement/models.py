"""Enforcement (执法): what a bureau does about what it finds beyond the deadline order.

- ``MajorCriterion``: the situations of 民办发〔2023〕13号 that make a hazard major, as
  data a bureau can complete; ``Determination``: which one, and who determined it
  (第四条(二): the inspection team, a named department, or a third-party assessment).
- ``ControlOrder`` (责令立即停止使用 / 部分停止使用 / 停业整顿): in force at once, lifted only
  after a re-inspection on site; the remediation deadline runs separately.
- ``Escalation``: one rung of a hazard's escalation ladder (reminder → 约谈 → control
  order → case), reached by the dispatcher or skipped by a lead, once per hazard.
- ``Interview`` (约谈) of a facility's legal representative, with minutes and commitments.
- ``EnforcementCase`` with its ``Transfer`` (移送) letters and ``Penalty`` decisions.
- ``LevelAction``: a higher region's 约谈 or 通报 of a lower region's bureau.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from core import limits
from core.audited import AuditedManager
from core.fields import user_field
from inspections.complaints.models import Complaint
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection, evidence_storage
from registry.models import Facility, Region, User


class MajorCriterion(models.Model):
    """One situation of 民办发〔2023〕13号 that makes a hazard major."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    group = models.PositiveSmallIntegerField(_("group"))
    text = models.CharField(_("situation"), max_length=limits.SHORT)
    # 第四条(二): construction and fire defects count only when a competent department
    # or a third-party assessment determined them.
    needs_outside_determination = models.BooleanField(
        _("needs a department's or a third party's determination"), default=False
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "position", "code"]
        verbose_name = _("major-hazard criterion")
        verbose_name_plural = _("major-hazard criteria")

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"


class Determination(models.Model):
    """Why a hazard is major and who determined it (第四条(二))."""

    class By(models.TextChoices):
        TEAM = "team", _("This inspection team")
        DEPARTMENT = "department", _("A named department")
        THIRD_PARTY = "third_party", _("A third-party professional assessment")

    hazard = models.OneToOneField(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="determination"
    )
    criterion = models.ForeignKey(
        MajorCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    determined_by = models.CharField(_("determined by"), max_length=20, choices=By.choices)
    department_name = models.CharField(_("department"), max_length=limits.NAME, blank=True)
    assessor = models.CharField(_("assessing body"), max_length=limits.LINE, blank=True)
    report_no = models.CharField(_("report number"), max_length=60, blank=True)
    report_file = models.FileField(
        _("report file"), storage=evidence_storage, upload_to="determinations/", blank=True
    )
    report_sha256 = models.CharField(_("SHA-256 of the report"), max_length=64, blank=True)
    # Set when a general hazard was raised to major (情节严重的按重大).
    raised_from_general = models.BooleanField(_("raised from general"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = user_field(_("recorded by"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("determination")
        verbose_name_plural = _("determinations")

    def __str__(self) -> str:
        return f"{self.hazard.register_no} {self.criterion.code}"


class ControlOrder(models.Model):
    """An immediate control order: in force from issue until lifted after a re-inspection."""

    class Kind(models.TextChoices):
        STOP_USE = "stop_use", _("Stop using immediately")  # 责令立即停止使用
        PARTIAL = "partial", _("Stop using in part")  # 部分停止使用
        SUSPEND = "suspend", _("Suspend operation for rectification")  # 停业整顿

    class Scope(models.TextChoices):
        WHOLE = "whole", _("The whole facility")
        BUILDING = "building", _("A building")
        FLOOR = "floor", _("A floor")
        AREA = "area", _("An area")
        EQUIPMENT = "equipment", _("Equipment")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        LIFTED = "lifted", _("Lifted")

    number = models.CharField(_("order number"), max_length=40, unique=True)
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="control_orders",
    )
    hazard = models.ForeignKey(
        Hazard,
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="control_orders",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("issued during"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="control_orders",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    scope_detail = models.CharField(_("what is stopped"), max_length=limits.LINE, blank=True)
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    status = fsm.FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.IN_FORCE
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = user_field(_("issued by"), null=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = user_field(_("acknowledged by"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = user_field(_("lifted by"), null=True, blank=True)
    lifting_inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("re-inspection that verified it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lifted_orders",
    )
    lift_note = models.TextField(_("what the re-inspection found"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("control order")
        verbose_name_plural = _("control orders")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:control_order_detail", args=[self.pk])

    @property
    def in_force(self) -> bool:
        return self.status == self.Status.IN_FORCE

    def acknowledge(self, *, by: User) -> None:
        """The facility signs for the order (not a status: the order is in force at once)."""
        self.acknowledged_at = timezone.now()
        self.acknowledged_by = by

    @status.transition(source=Status.IN_FORCE, target=Status.LIFTED)
    def lift(self, *, by: User, inspection: Inspection, note: str) -> None:
        """Declared transition: a re-inspection on site verified the danger is gone."""
        self.lifted_at = timezone.now()
        self.lifted_by = by
        self.lifting_inspection = inspection
        self.lift_note = note


class Interview(models.Model):
    """约谈 of a facility's legal representative: who came, what was said and promised."""

    number = models.CharField(_("record number"), max_length=40, unique=True)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="interviews"
    )
    hazard = models.ForeignKey(
        Hazard,
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interviews",
    )
    case = models.ForeignKey(
        "EnforcementCase",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interviews",
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=limits.LINE)
    attendees = models.TextField(_("attendees"))
    minutes = models.TextField(_("minutes"))
    commitments = models.TextField(_("commitments"))
    signed_by_name = models.CharField(_("signed by (legal representative)"), max_length=limits.NAME)
    recorded_by = user_field(_("recorded by"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:interview_detail", args=[self.pk])


class EnforcementCase(models.Model):
    """An enforcement case opened from a hazard, an inspection or a complaint."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Interview")  # 约谈
        CORRECT = "correct", _("Order to correct")  # 责令改正
        SUSPEND = "suspend", _("Suspension for rectification")  # 停业整顿
        PENALTY = "penalty", _("Administrative penalty")  # 立案处罚
        TRANSFER = "transfer", _("Transfer to another department")  # 移送

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("case number"), max_length=40, unique=True)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="cases"
    )
    hazard = models.ForeignKey(
        Hazard,
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # A complaint's reference typed by hand (cases opened before complaints were records).
    complaint_ref = models.CharField(_("complaint"), max_length=60, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    facts = models.TextField(_("facts"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    status = fsm.FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = user_field(_("opened by"), null=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = user_field(_("decision recorded by"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = user_field(_("closed by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:case_detail", args=[self.pk])

    @status.transition(source=Status.OPEN, target=Status.DECIDED)
    def decide(self, *, by: User, decision: str, decided_on) -> None:  # type: ignore[no-untyped-def]
        """Declared transition: the bureau's decision on the case is recorded."""
        self.decision = decision
        self.decided_on = decided_on
        self.decided_by = by

    @status.transition(source=[Status.OPEN, Status.DECIDED], target=Status.CLOSED)
    def close(self, *, by: User, outcome: str) -> None:
        """Declared transition: the case is over, with its outcome."""
        self.outcome = outcome
        self.closed_at = timezone.now()
        self.closed_by = by


class Transfer(models.Model):
    """移送: a numbered letter to another department, its receipt and its feedback."""

    class Department(models.TextChoices):
        FIRE = "fire", _("Fire and rescue")
        MARKET = "market", _("Market regulation")
        HEALTH = "health", _("Health")
        HOUSING = "housing", _("Housing and construction")
        POLICE = "police", _("Public security")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")
        ANSWERED = "answered", _("Feedback received")

    number = models.CharField(_("letter number"), max_length=40, unique=True)
    case = models.ForeignKey(
        EnforcementCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfers"
    )
    department = models.CharField(
        _("receiving department"), max_length=10, choices=Department.choices
    )
    department_name = models.CharField(_("department name"), max_length=limits.NAME)
    contact = models.CharField(_("contact"), max_length=limits.LINE, blank=True)
    sent_on = models.DateField(_("sent on"))
    feedback_due_on = models.DateField(_("feedback due on"))
    status = fsm.FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    sent_by = user_field(_("sent by"), null=True)
    received_on = models.DateField(_("receipt dated"), null=True, blank=True)
    feedback_on = models.DateField(_("feedback dated"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    recorded_by = user_field(_("receipt or feedback recorded by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_on", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:transfer_detail", args=[self.pk])

    @status.transition(source=Status.SENT, target=Status.RECEIVED)
    def receive(self, *, by: User, on) -> None:  # type: ignore[no-untyped-def]
        """Declared transition: the receiving department's receipt arrived."""
        self.received_on = on
        self.recorded_by = by

    @status.transition(source=[Status.SENT, Status.RECEIVED], target=Status.ANSWERED)
    def answer(self, *, by: User, on, feedback: str) -> None:  # type: ignore[no-untyped-def]
        """Declared transition: the receiving department reported its outcome."""
        self.feedback_on = on
        self.feedback = feedback
        self.recorded_by = by


class TransferReminder(models.Model):
    """A late-feedback reminder of a transfer that has gone off, once per transfer and key."""

    transfer = models.ForeignKey(
        Transfer, verbose_name=_("transfer"), on_delete=models.PROTECT, related_name="reminders"
    )
    key = models.CharField(_("about"), max_length=20)
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["transfer", "fired_at", "pk"]
        verbose_name = _("transfer reminder")
        verbose_name_plural = _("transfer reminders")
        constraints = [
            models.UniqueConstraint(fields=["transfer", "key"], name="transfer_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.transfer.number} {self.key}"


class Penalty(models.Model):
    """An administrative penalty decided by the bureau or reported back by the department
    a case was transferred to. Public once recorded (依法公示行政处罚信息); a penalty
    overturned is withdrawn with the reason, never edited or deleted."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        FINE = "fine", _("Fine")
        CONFISCATION = "confiscation", _("Confiscation of illegal gains")
        SUSPENSION = "suspension", _("Order to suspend operation")
        REVOCATION = "revocation", _("Revocation of a licence")
        OTHER = "other", _("Other")

    decision_no = models.CharField(_("decision number"), max_length=60)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="penalties"
    )
    case = models.ForeignKey(
        EnforcementCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="penalties"
    )
    transfer = models.ForeignKey(
        Transfer,
        verbose_name=_("reported back by transfer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    authority = models.CharField(_("deciding authority"), max_length=limits.NAME)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField(_("decided on"))
    recorded_by = user_field(_("recorded by"), null=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = user_field(_("withdrawn by"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "decision_no"], name="penalty_decision_once"
            )
        ]

    def __str__(self) -> str:
        return self.decision_no

    def withdraw(self, *, by: User, reason: str) -> None:
        """The decision was overturned: it leaves the public record, kept with the reason."""
        self.withdrawn_at = timezone.now()
        self.withdrawn_by = by
        self.withdrawal_reason = reason


class Escalation(models.Model):
    """One rung of a hazard's escalation ladder: reached (its task waits for a lead until
    the action is recorded), done, or skipped by a lead with a reason. Once per hazard."""

    class Step(models.TextChoices):
        REMIND = "remind", _("Reminder to the facility and its lead")
        INTERVIEW = "interview", _("Interview of the legal representative")
        CONTROL = "control", _("Control order or suspension")
        CASE = "case", _("Case or transfer")

    class Status(models.TextChoices):
        REACHED = "reached", _("Reached")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), on_delete=models.PROTECT, related_name="escalations"
    )
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    status = fsm.FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REACHED
    )
    reached_at = models.DateTimeField(_("reached at"), default=timezone.now)
    # None: the dispatcher reached it; a lead who skipped ahead otherwise.
    reached_by = user_field(_("reached by"), null=True, blank=True)
    reason = models.TextField(_("reason for skipping ahead"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    interview = models.ForeignKey(
        Interview, verbose_name=_("interview"), null=True, blank=True, on_delete=models.PROTECT
    )
    control_order = models.ForeignKey(
        ControlOrder,
        verbose_name=_("control order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    case = models.ForeignKey(
        EnforcementCase, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["hazard", "reached_at", "pk"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.UniqueConstraint(fields=["hazard", "step"], name="escalation_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.hazard.register_no} {self.step}"

    @status.transition(source=Status.REACHED, target=Status.DONE)
    def complete(self, *, interview=None, control_order=None, case=None) -> None:  # type: ignore[no-untyped-def]
        """Declared transition: the action the step calls for was recorded."""
        self.done_at = timezone.now()
        self.interview = interview
        self.control_order = control_order
        self.case = case

    @status.transition(source=Status.REACHED, target=Status.SKIPPED)
    def skip(self, *, reason: str) -> None:
        """Declared transition: a lead went past this step to a later one."""
        self.reason = reason
        self.done_at = timezone.now()


class LevelAction(models.Model):
    """A higher region's 约谈 or 通报 of a lower region's bureau (e.g. for overdue
    hazards or late publications): numbered, listed on the lower region's page."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Interview")  # 约谈
        CIRCULAR = "circular", _("Circular")  # 通报

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    issuer_region = models.ForeignKey(
        Region, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    target_region = models.ForeignKey(
        Region,
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        related_name="level_actions",
    )
    subject = models.CharField(_("subject"), max_length=limits.LINE)
    reason = models.TextField(_("reason"))
    content = models.TextField(_("content"))
    attendees = models.TextField(_("attendees"), blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    held_on = models.DateField(_("date"))
    issued_by = user_field(_("recorded by"), null=True)
    issued_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("supervision of a lower level")
        verbose_name_plural = _("supervision of lower levels")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:level_action_detail", args=[self.pk])
