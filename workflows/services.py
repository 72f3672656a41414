"""Writes on tasks themselves: a lead hands one to someone else; overdue notices."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from core import limits
from core.audited import save_with_history
from core.notifications import notify
from registry.models import User

from . import policy
from .models import TaskScope
from .pages import action_url


@transaction.atomic
def task_reassign(*, scope: TaskScope, to: User, reason: str, by: User) -> TaskScope:
    """A lead of the county hands an open task to one person who may do it there; the
    reason is kept in the task's history."""
    scope = (
        TaskScope.objects.select_for_update().select_related("task", "facility").get(pk=scope.pk)
    )
    reason = limits.text(reason, limit=limits.SHORT, label=_("Reason"))
    if not reason:
        raise ValidationError(_("Say why the task is reassigned."))
    refusal = policy.reassign_refusal(by, scope, to)
    if refusal:
        raise ValidationError(refusal)
    task = scope.task
    task.owner = to
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    task._history_user = by
    task._change_reason = reason
    task.save()
    scope.group = TaskScope.Group.PERSON
    save_with_history(scope, by=by, reason=reason)
    notify(
        user=to,
        text=_("%(name)s handed you a task: %(task)s (%(facility)s). %(reason)s")
        % {
            "name": by.display_name,
            "task": scope.get_kind_display(),
            "facility": scope.facility.name,
            "reason": reason,
        },
        url=action_url(scope),
        by=by,
    )
    return scope


@transaction.atomic
def tasks_overdue_notify() -> int:
    """Tell the people of each task that has passed its due date, once per due date
    (an extension's new date may pass again); the number of tasks told about."""
    today = timezone.localdate()
    told = 0
    for scope in (
        TaskScope.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(open=True, due_on__lt=today, overdue_notified_on=None)
        .select_related("task", "facility")
    ):
        assert scope.due_on is not None  # filtered on it
        text = _("Overdue since %(date)s: %(task)s (%(facility)s).") % {
            "date": scope.due_on.isoformat(),
            "task": scope.get_kind_display(),
            "facility": scope.facility.name,
        }
        for user in policy.assignees(scope):
            notify(user=user, text=text, url=action_url(scope), by=None)
        scope.overdue_notified_on = today
        save_with_history(scope, by=None)
        told += 1
    return told
