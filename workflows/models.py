"""What the inbox needs of a viewflow task besides viewflow's own row.

Each step that waits for a person is a viewflow ``Task`` of its flow (a ``View`` node of
``InspectionFlow`` or ``HazardFlow``): viewflow keeps its status, owner and times. Its
``TaskScope`` keeps what the inbox sorts and filters by and what viewflow has no column
for: the kind of step, who it is offered to, its due date in working days, the
facility (and so the county) it concerns and the object the action is done on. Both
rows keep their history (viewflow's ``Task`` is registered with simple-history here),
so a task's creation, assignment, reassignment with its reason and completion are
recorded with who and when.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords
from viewflow.workflow.models import Task

from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from registry.models import Facility

# viewflow's task row keeps its history in this app (HistoricalTask): assigned,
# reassigned, done, cancelled, each with who did it.
register(Task, app=__package__)


class TaskScope(models.Model):
    class Kind(models.TextChoices):
        SCHEDULE = "schedule", _("Set the visit date and notify the facility")
        VISIT = "visit", _("Start the inspection on site")
        CONFIRM = "confirm", _("Confirm the inspection record")
        SIGN = "sign", _("Collect the facility's signature")
        ACKNOWLEDGE = "acknowledge", _("Acknowledge the rectification notice")
        REVIEW = "review", _("Review and publish the result")
        REVISE = "revise", _("Revise the returned result")
        PLAN = "plan", _("File the five-in-place plan")
        RECTIFY = "rectify", _("Rectify the hazard")
        VERIFY = "verify", _("Verify the fix")
        EXTENSION = "extension", _("Decide on the extension")
        SIGN_OFF = "sign_off", _("Sign off the major hazard")
        NOTE = "note", _("Write the monthly supervision note")
        REINSPECT = "reinspect", _("Open the requested re-inspection")
        CREDIT = "credit", _("Decide the credit case")
        INTERVIEW = "interview", _("Hold and record the interview (约谈)")
        CONTROL = "control", _("Issue a control order or suspension")
        CASE = "case", _("Open an enforcement case or transfer")

    class Group(models.TextChoices):
        PERSON = "person", _("One person")
        LEADS = "leads", _("The county's bureau leads")
        MANAGERS = "managers", _("The facility's managers")
        TEAM = "team", _("The inspection team")

    task = models.OneToOneField(
        Task,
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="scope",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Tells apart tasks of one kind on one object (each member's confirmation, each
    # extension request, each month's note).
    key = models.CharField(_("key"), max_length=40, blank=True)
    group = models.CharField(_("offered to"), max_length=10, choices=Group.choices)
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hazard = models.ForeignKey(
        Hazard,
        verbose_name=_("hazard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The object the action is done on when it is neither (a notice, an extension,
    # a result): the page's id.
    object_id = models.PositiveIntegerField(_("object id"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    open = models.BooleanField(_("open"), default=True)
    overdue_notified_on = models.DateField(_("overdue notice sent on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("task scope")
        verbose_name_plural = _("task scopes")
        indexes = [
            models.Index(fields=["open", "due_on"], name="workflows_task_open_due"),
            models.Index(fields=["facility", "open"], name="workflows_task_facility"),
            # The dispatcher's overdue sweep, every minute: open tasks not yet told
            # about, not every overdue task told about long ago.
            models.Index(
                fields=["due_on"],
                name="workflows_task_overdue_untold",
                condition=models.Q(open=True, overdue_notified_on__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.task_id}"
