"""Complaints and leads from the public (投诉举报 / 线索).

- ``Complaint``: received through the public form or recorded by staff from a call,
  a letter or a visit; numbered for tracking, with a secret query code (only its hash
  is kept) the complainant uses to read the status and the reply. Triage by a county
  lead: out of scope, passed to another department (an enforcement case with its
  transfer letter), answered directly, or investigated by a case inspection.
- ``ComplaintPhoto``: photos the complainant attached, checked by content like every
  other upload, stored privately.
- ``ComplaintAlarm``: each reminder about a reply coming due or late, sent once.

The complainant's identity (name, phone, the source fingerprint used for rate
limits) is for the county's leads only: never shown to the facility, never public.
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
from inspections.onsite.models import Inspection, evidence_storage
from registry.models import Department, Facility, Region, User


class Complaint(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Public form")
        PHONE = "phone", _("Telephone")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("In person")
        REFERRAL = "referral", _("Referred by another body")

    class Category(models.TextChoices):
        FIRE = "fire", _("Fire safety")
        FOOD = "food", _("Food safety")
        BUILDING = "building", _("Building safety")
        CARE = "care", _("Care and services")
        ABUSE = "abuse", _("Abuse or neglect of residents")
        FEES = "fees", _("Fees and contracts")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        OUT_OF_SCOPE = "out_of_scope", _("Not in scope")
        PASSED_ON = "passed_on", _("Passed to another department")
        ANSWERING = "answering", _("Being answered")
        INVESTIGATING = "investigating", _("Under investigation")
        REPLIED = "replied", _("Replied")

    class Triage(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", _("Not in scope")
        PASS_ON = "pass_on", _("Pass to another department")
        ANSWER = "answer", _("Answer directly")
        INVESTIGATE = "investigate", _("Investigate by a case inspection")

    number = models.CharField(_("tracking number"), max_length=40, unique=True)
    # SHA-256 of the secret query code given once to the complainant.
    query_code_hash = models.CharField(max_length=64, editable=False)
    # The county bureau that handles it: the facility's county, or the one chosen.
    region = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="complaints"
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    # What the complainant typed when the facility is not (yet) matched to the registry.
    facility_text = models.CharField(_("facility as named"), max_length=limits.LINE, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    text = models.TextField(_("complaint"))
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    # Identity: county leads only.
    anonymous = models.BooleanField(_("anonymous"), default=True)
    complainant_name = models.CharField(_("complainant"), max_length=limits.NAME, blank=True)
    complainant_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Keyed hash of the submitter's network address (web) for rate limits; never shown.
    source_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    received_by = user_field(_("recorded by"), null=True, blank=True)
    reply_due_on = models.DateField(_("reply due on"))
    status = fsm.FSMField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    triage = models.CharField(_("triage"), max_length=20, choices=Triage.choices, blank=True)
    triage_reason = models.TextField(_("reason"), blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triaged_by = user_field(_("triaged by"), null=True, blank=True)
    # Passed on: the receiving department (the transfer itself is an enforcement case's).
    passed_to = models.ForeignKey(
        Department,
        verbose_name=_("passed to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Investigated: the case inspection opened for it.
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("case inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = user_field(_("replied by"), null=True, blank=True)
    # Known once replied: whether the complaint proved true (counts in the credit file).
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    next_alarm_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = AuditedManager()
    # Identity stays out of history and the audit trail: auditors read what was done
    # with a complaint, not who made it.
    history = HistoricalRecords(
        excluded_fields=[
            "query_code_hash",
            "source_hash",
            "complainant_name",
            "complainant_phone",
        ]
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:complaint_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.OUT_OF_SCOPE, self.Status.REPLIED)

    def _triaged(self, *, by: User, triage: str, reason: str) -> None:
        self.triage = triage
        self.triage_reason = reason
        self.triaged_at = timezone.now()
        self.triaged_by = by

    @status.transition(source=Status.RECEIVED, target=Status.OUT_OF_SCOPE)
    def refuse(self, *, by: User, reason: str) -> None:
        """Declared transition: not for this bureau, with the reason the complainant reads."""
        self._triaged(by=by, triage=self.Triage.OUT_OF_SCOPE, reason=reason)
        self.reply = reason
        self.replied_at = self.triaged_at
        self.replied_by = by

    @status.transition(source=Status.RECEIVED, target=Status.PASSED_ON)
    def pass_on(self, *, by: User, reason: str, department: Department) -> None:
        """Declared transition: passed to another department by a transfer letter."""
        self._triaged(by=by, triage=self.Triage.PASS_ON, reason=reason)
        self.passed_to = department

    @status.transition(source=Status.RECEIVED, target=Status.ANSWERING)
    def answer_directly(self, *, by: User, reason: str) -> None:
        """Declared transition: the bureau answers it without an inspection."""
        self._triaged(by=by, triage=self.Triage.ANSWER, reason=reason)

    @status.transition(source=Status.RECEIVED, target=Status.INVESTIGATING)
    def investigate(self, *, by: User, reason: str, inspection: Inspection) -> None:
        """Declared transition: a case inspection of the facility investigates it."""
        self._triaged(by=by, triage=self.Triage.INVESTIGATE, reason=reason)
        self.inspection = inspection

    @status.transition(
        source=[Status.PASSED_ON, Status.ANSWERING, Status.INVESTIGATING], target=Status.REPLIED
    )
    def record_reply(self, *, by: User, reply: str, substantiated: bool | None) -> None:
        """Declared transition: the reply the complainant reads with the query code."""
        self.reply = reply
        self.substantiated = substantiated
        self.replied_at = timezone.now()
        self.replied_by = by


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("photo"), storage=evidence_storage, upload_to="complaints/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    format = models.CharField(_("format"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["complaint", "pk"]
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")

    def __str__(self) -> str:
        return f"{self.complaint} · {self.pk}"


class ComplaintAlarm(models.Model):
    """One reminder about a complaint's reply, sent once (unique per complaint, kind, day)."""

    class Kind(models.TextChoices):
        DUE = "due", _("Reminder: reply due")
        LATE = "late", _("Reply late")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("for the day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["complaint", "on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "kind", "on"], name="complaint_alarm_once")
        ]
        verbose_name = _("complaint reminder")
        verbose_name_plural = _("complaint reminders")

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_kind_display()} · {self.on}"
