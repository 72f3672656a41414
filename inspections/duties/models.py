"""The facility's own duties (自查自改, 主体责任).

- ``DutyRule``: a recurring duty a bureau sets for the facilities of some types in its
  region (monthly self-inspection with a chosen checklist, daily fire patrol, night
  patrol log, fire drills twice a year, food sample retention log).
- ``Duty``: one period's instance of a rule for one facility, a task with a due date;
  created by the dispatcher, once per rule, facility and period, whatever restarts.
- ``DutyLog``: what the facility recorded to fulfil a log duty (patrol rounds, a drill,
  the samples kept).
- ``LicenceAlarm``: a reminder that a registry licence (``registry.Licence``) expires,
  sent once per licence, threshold and expiry date.
- ``Incident`` (突发事件) reported to the bureau, and its ``IncidentReport`` follow-ups.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from viewflow import fsm

from checklists.models import ChecklistTemplate
from core import limits
from core.audited import AuditedManager
from core.fields import user_field
from inspections.onsite.models import Inspection
from registry.models import Facility, Licence, Region, User


class DutyRule(models.Model):
    class Kind(models.TextChoices):
        SELF_INSPECTION = "self_inspection", _("Self-inspection with a checklist")  # 自查
        FIRE_PATROL = "fire_patrol", _("Fire patrol log")  # 防火巡查
        NIGHT_PATROL = "night_patrol", _("Night patrol log (hourly)")  # 夜间巡查
        FIRE_DRILL = "fire_drill", _("Fire drill")  # 消防演练
        FOOD_SAMPLE = "food_sample", _("Food sample retention log")  # 食品留样

    class Every(models.TextChoices):
        DAY = "day", _("Every day")
        MONTH = "month", _("Every month")
        QUARTER = "quarter", _("Every quarter")
        HALF_YEAR = "half_year", _("Every half year")
        YEAR = "year", _("Every year")

    # The bureau that set it: the rule covers facilities in this region and below.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="duty_rules"
    )
    kind = models.CharField(_("duty"), max_length=20, choices=Kind.choices)
    every = models.CharField(_("recurs"), max_length=10, choices=Every.choices)
    # Facility types it applies to (empty: every type).
    facility_types = models.JSONField(_("facility types"), default=list, blank=True)
    # Self-inspection: the checklist to use.
    checklist = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Days after the period's last day before the duty is late.
    grace_days = models.PositiveSmallIntegerField(_("days of grace"), default=0)
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    active = models.BooleanField(_("active"), default=True)
    created_by = user_field(_("set by"), null=True)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["region__code", "kind", "pk"]
        verbose_name = _("duty rule")
        verbose_name_plural = _("duty rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_every_display()} · {self.region}"


class Duty(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")

    rule = models.ForeignKey(
        DutyRule, verbose_name=_("duty rule"), on_delete=models.PROTECT, related_name="duties"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="duties"
    )
    kind = models.CharField(_("duty"), max_length=20, choices=DutyRule.Kind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    due_on = models.DateField(_("due on"), db_index=True)
    status = fsm.FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = user_field(_("done by"), null=True, blank=True)
    # A self-inspection duty is done by a finished self-inspection.
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("self-inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duties",
    )
    # When the manager and the bureau were told it is late (once).
    late_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "facility", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "facility", "period_start"], name="duty_once_per_period"
            )
        ]
        indexes = [
            # The dispatcher's late-duty sweep, every minute: only the duties still open
            # and not yet told about, not every day's duty of every facility since.
            models.Index(
                fields=["due_on"],
                name="duty_late_unnotified",
                condition=models.Q(status="open", late_notified_at__isnull=True),
            )
        ]
        verbose_name = _("duty")
        verbose_name_plural = _("duties")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.facility} · {self.period_start}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:duty_detail", args=[self.pk])

    def is_late(self, today=None) -> bool:  # type: ignore[no-untyped-def]
        today = today or timezone.localdate()
        return self.status == self.Status.OPEN and self.due_on < today

    @status.transition(source=Status.OPEN, target=Status.DONE)
    def complete(self, *, by: User | None) -> None:
        """Declared transition: the log was recorded or the self-inspection finished."""
        self.done_at = timezone.now()
        self.done_by = by


class DutyLog(models.Model):
    """A patrol round sheet, a drill or a day's food samples recorded for a duty."""

    duty = models.ForeignKey(
        Duty, verbose_name=_("duty"), on_delete=models.PROTECT, related_name="logs"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="duty_logs"
    )
    kind = models.CharField(_("duty"), max_length=20, choices=DutyRule.Kind.choices)
    on = models.DateField(_("date"))
    # The rows of the form (patrol times and findings, drill participants, samples).
    entries = models.JSONField(_("entries"), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = user_field(_("recorded by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("duty log")
        verbose_name_plural = _("duty logs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.facility} · {self.on}"


class LicenceAlarm(models.Model):
    licence = models.ForeignKey(
        Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="alarms"
    )
    # Days before expiry the reminder is for (0: expired).
    days_before = models.SmallIntegerField(_("days before expiry"))
    expires_on = models.DateField(_("expiry date"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["licence", "-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "days_before", "expires_on"], name="licence_alarm_once"
            )
        ]
        verbose_name = _("licence reminder")
        verbose_name_plural = _("licence reminders")

    def __str__(self) -> str:
        return f"{self.licence} · {self.days_before}"


class Incident(models.Model):
    """突发事件 reported by the facility to the bureau, within the required time."""

    class Kind(models.TextChoices):
        FIRE = "fire", _("Fire")
        FOOD_POISONING = "food_poisoning", _("Food poisoning")
        FALL = "fall", _("Fall with serious injury")
        MISSING = "missing", _("Missing resident")
        OTHER = "other", _("Other emergency")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=40, unique=True)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    place = models.CharField(_("place"), max_length=limits.LINE, blank=True)
    summary = models.TextField(_("what happened"))
    deaths = models.PositiveSmallIntegerField(_("deaths"), default=0)
    injured = models.PositiveSmallIntegerField(_("injured"), default=0)
    measures = models.TextField(_("measures taken"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    reported_by = user_field(_("reported by"))
    # occurred_at + the required time for its kind (settings): reported after it is late.
    report_due_at = models.DateTimeField(_("report due by"))
    status = fsm.FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = user_field(_("closed by"), null=True, blank=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inspections:incident_detail", args=[self.pk])

    @property
    def reported_late(self) -> bool:
        return self.reported_at > self.report_due_at

    @status.transition(source=Status.REPORTED, target=Status.CLOSED)
    def close(self, *, by: User) -> None:
        """Declared transition: the final follow-up report closes the incident."""
        self.closed_at = timezone.now()
        self.closed_by = by


class IncidentReport(models.Model):
    """A follow-up report on an incident (续报); the final one closes it."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="reports"
    )
    text = models.TextField(_("follow-up"))
    final = models.BooleanField(_("final report"), default=False)
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    written_by = user_field(_("written by"))

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["incident", "written_at", "pk"]
        verbose_name = _("incident follow-up")
        verbose_name_plural = _("incident follow-ups")

    def __str__(self) -> str:
        return f"{self.incident} · {self.written_at:%Y-%m-%d}"
