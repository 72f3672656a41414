"""Credit supervision (信用监管): each facility's credit file, the rule sets that score
it, the decisions a lead takes on what the scores propose, and the two lists.

A credit event is a dated fact about a facility taken from a source (an inspection's
result, a hazard, a rectification rejected, a lead's record of a refused entry…);
its weight is not stored but read from the rule set in force, so a new rule set
re-weighs the whole file. A ``CreditCase`` is one decision waiting for or taken by a
county lead: a class change the rules propose, an entry to or exit from a list
(信用修复), or a facility's objection (陈述申辩) to an event.
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
from inspections.onsite.models import evidence_storage
from registry.models import Facility


class RuleSet(models.Model):
    """One version of the scoring rules (YAML). Versions are never edited: a change is a
    new version, and the newest is the one in force."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(_("rules (YAML)"))
    note = models.CharField(_("what changed and why"), max_length=limits.SHORT)
    created_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    created_by = user_field(_("loaded by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("credit rule set")
        verbose_name_plural = _("credit rule sets")

    def __str__(self):
        return _("Credit rules v%(n)d") % {"n": self.version}


class CreditEvent(models.Model):
    """A dated fact in a facility's credit file."""

    class Kind(models.TextChoices):
        RESULT_PASS = "result_pass", _("Inspection result: compliant")
        RESULT_BASIC = "result_basic", _("Inspection result: basically compliant")
        RESULT_FAIL = "result_fail", _("Inspection result: non-compliant")
        HAZARD_GENERAL = "hazard_general", _("General hazard found")
        HAZARD_MAJOR = "hazard_major", _("Major hazard found")
        HAZARD_OVERDUE = "hazard_overdue", _("Hazard not rectified by its deadline")
        RECTIFICATION_REJECTED = "rectification_rejected", _("Rectification rejected")
        MAJOR_SUPERVISED = "major_supervised", _("Major hazard under supervision (挂牌督办)")
        SIGNATURE_REFUSED = "signature_refused", _("Refused to sign the inspection record")
        ENTRY_REFUSED = "entry_refused", _("Refused to admit inspectors")
        COMPLAINT_SUBSTANTIATED = "complaint_substantiated", _("Complaint substantiated")
        PENALTY = "penalty", _("Administrative penalty")
        TRANSFER = "transfer", _("Case transferred to another department")
        CONTROL_ORDER = "control_order", _("Control order (责令停止使用/停业整顿)")
        INTERVIEW = "interview", _("Interview of the legal representative (约谈)")
        SELF_FIXED = "self_fixed", _("Self-reported hazard fixed on time")
        CLEAN_YEAR = "clean_year", _("A year inspected without a hazard")
        GRADE = "grade", _("Grading level (等级评定)")

    # Kinds a lead records by hand until a source of their own exists (enforcement,
    # complaints): each then keeps its key space, so nothing is counted twice.
    RECORDED = (
        Kind.ENTRY_REFUSED,
        Kind.COMPLAINT_SUBSTANTIATED,
        Kind.PENALTY,
        Kind.TRANSFER,
    )
    # What the credit platform and the public facility page may show: results,
    # findings and sanctions of a body, never a person.
    PUBLIC = (
        Kind.RESULT_PASS,
        Kind.RESULT_BASIC,
        Kind.RESULT_FAIL,
        Kind.HAZARD_MAJOR,
        Kind.MAJOR_SUPERVISED,
        Kind.ENTRY_REFUSED,
        Kind.PENALTY,
        Kind.CLEAN_YEAR,
        Kind.GRADE,
    )

    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="credit_events",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    # Which source wrote it and its key there ("hazard:12", "manual:7"): a source
    # writes each fact once however often it runs.
    key = models.CharField(_("source key"), max_length=60, unique=True)
    detail = models.CharField(_("detail"), max_length=limits.LINE, blank=True)
    evidence_url = models.CharField(_("evidence"), max_length=300, blank=True)
    note = limits.text_field(_("note"), limit=limits.TEXT, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = user_field(_("recorded by"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = user_field(_("withdrawn by"), null=True, blank=True)
    withdrawn_reason = models.CharField(
        _("why it was withdrawn"), max_length=limits.SHORT, blank=True
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        indexes = [
            models.Index(fields=["facility", "occurred_on"], name="credit_event_facility"),
        ]
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.occurred_on.isoformat()}"

    @property
    def withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def public(self):
        return self.kind in self.PUBLIC

    def withdraw(self, *, reason: str, by=None) -> None:
        """It no longer counts: an objection upheld, a lead's correction (``by``), or,
        with no one named, its source no longer yields it."""
        self.withdrawn_at = timezone.now()
        self.withdrawn_by = by
        self.withdrawn_reason = reason[: limits.SHORT]

    def restore(self) -> None:
        """A standing fact its source yields again (a grading level back): only a
        withdrawal by no one can be undone so."""
        if self.withdrawn_by_id is not None:
            raise ValueError("a person's withdrawal is final")
        self.withdrawn_at = None
        self.withdrawn_reason = ""


class CollectMark(models.Model):
    """How far each source has been read: the next run asks a source only for what
    changed since (less a margin), so a monthly run does not re-read every fact of
    every year. Keys keep a fact from being written twice whatever the margin."""

    source = models.CharField(_("source"), max_length=30, unique=True)
    through = models.DateTimeField(_("read through"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit source mark")
        verbose_name_plural = _("credit source marks")

    def __str__(self):
        return f"{self.source} · {self.through.isoformat()}"


class CreditList(models.TextChoices):
    KEY = "key", _("Key supervision list (重点监管名单)")
    DISHONEST = "dishonest", _("Dishonesty list (失信名单)")


class CreditCase(models.Model):
    """One decision of a county lead on a facility's credit."""

    class Kind(models.TextChoices):
        CLASS = "class", _("Class change")
        LIST_ENTRY = "list_entry", _("Entry to a list")
        REPAIR = "repair", _("Credit repair: exit from a list (信用修复)")
        OBJECTION = "objection", _("Objection to an event (陈述申辩)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the lead")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("No longer applies")

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        OVERRIDDEN = "overridden", _("Overridden")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")
        REFUSED = "refused", _("Refused")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="credit_cases"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = fsm.FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    list_name = models.CharField(_("list"), max_length=20, choices=CreditList.choices, blank=True)
    event = models.ForeignKey(
        CreditEvent,
        verbose_name=_("event objected to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    # The basis: the class before, what the rules propose, the score and the rule
    # version, and each event that counted with its weight and decay.
    previous_class = models.CharField(_("class before"), max_length=1, blank=True)
    proposed_class = models.CharField(_("proposed class"), max_length=1, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    rules = models.ForeignKey(
        RuleSet,
        verbose_name=_("rule set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    basis = models.JSONField(_("basis"), default=list, blank=True)
    # A manager's objection or repair application.
    reasons = limits.text_field(_("reasons"), limit=limits.TEXT, blank=True)
    evidence = models.FileField(
        _("evidence"), storage=evidence_storage, upload_to="credit/", blank=True, max_length=200
    )
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = user_field(_("opened by"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decided_class = models.CharField(_("class decided"), max_length=1, blank=True)
    decision_reason = limits.text_field(_("reason for the decision"), limit=limits.TEXT, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = user_field(_("decided by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["facility", "kind", "status"], name="credit_case_facility"),
        ]
        verbose_name = _("credit case")
        verbose_name_plural = _("credit cases")

    def __str__(self):
        return _("%(kind)s for %(facility)s") % {
            "kind": self.get_kind_display(),
            "facility": self.facility.name,
        }

    def get_absolute_url(self):
        return reverse("inspections:credit_case", args=[self.pk])

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @status.transition(source=Status.PENDING, target=Status.DECIDED)
    def decide(self, *, decision: str, reason: str, by, decided_class: str = "") -> None:
        """Declared transition: the lead's decision, with its reason."""
        self.decision = decision
        self.decision_reason = reason
        self.decided_class = decided_class
        self.decided_at = timezone.now()
        self.decided_by = by

    @status.transition(source=Status.PENDING, target=Status.WITHDRAWN)
    def lapse(self, *, reason: str) -> None:
        """Declared transition: the rules no longer propose it (a newer run, a
        withdrawn event); nobody decided it."""
        self.decision_reason = reason
        self.decided_at = timezone.now()


class ListEntry(models.Model):
    """A facility's time on a list: entered by a lead's decision, left by credit repair."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="credit_lists"
    )
    list_name = models.CharField(_("list"), max_length=20, choices=CreditList.choices)
    entered_on = models.DateField(_("entered on"))
    entry_case = models.OneToOneField(
        CreditCase,
        verbose_name=_("entry decision"),
        on_delete=models.PROTECT,
        related_name="entry",
    )
    exited_on = models.DateField(_("left on"), null=True, blank=True)
    exit_case = models.OneToOneField(
        CreditCase,
        verbose_name=_("exit decision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exit",
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-entered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "list_name"],
                condition=models.Q(exited_on=None),
                name="credit_list_once",
            )
        ]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")

    def __str__(self):
        return f"{self.facility} · {self.get_list_name_display()}"

    @property
    def active(self):
        return self.exited_on is None
