"""Whose tasks are whose: the inbox, the leads' queue, reassignment.

Built on the access module's scopes (which facilities, inspections a user sees), so a
task is offered to exactly those who may do its step: a task assigned to a person is
theirs; one offered to a group is each member's (the county's leads, the facility's
managers, the inspection's active team).
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from inspections import access, policy
from inspections.hazards.services import leads_covering
from registry.models import User

from .models import TaskScope

Group = TaskScope.Group


def _offered_to(user: User) -> Q:
    """Open tasks offered to one of the user's groups and not taken by a person."""
    offered = Q(pk__in=[])
    if access.is_lead(user):
        offered |= Q(group=Group.LEADS, facility__in=access.facilities_for(user).values("pk"))
    if access.is_manager(user):
        offered |= Q(group=Group.MANAGERS, facility__in=access.facilities_for(user).values("pk"))
    if access.is_inspector(user):
        # A joint inspection's hazard is verified by its verifying department only.
        offered |= Q(group=Group.TEAM, inspection__in=access.inspections_for(user).values("pk")) & (
            ~Q(kind=TaskScope.Kind.VERIFY) | policy.department_verifier_q(user, "hazard")
        )
    return offered & Q(task__owner=None)


def tasks_for(user: User) -> QuerySet[TaskScope]:
    """The user's inbox: open tasks assigned to them or offered to their groups."""
    if not user.is_authenticated:
        return TaskScope.objects.none()
    return TaskScope.objects.filter(Q(task__owner=user) | _offered_to(user), open=True)


def queue_for(user: User) -> QuerySet[TaskScope]:
    """The leads' queue: every open task of the facilities in their regions."""
    if not access.is_lead(user):
        return TaskScope.objects.none()
    return TaskScope.objects.filter(
        open=True, facility__in=access.facilities_for(user).values("pk")
    )


def is_offered(user: User, scope: TaskScope) -> bool:
    """Whether the task is ``user``'s to do (their inbox holds it)."""
    return tasks_for(user).filter(pk=scope.pk).exists()


def assignees(scope: TaskScope) -> QuerySet[User]:
    """Who the task waits for: its person, or its group's members."""
    if scope.task.owner_id:
        return User.objects.filter(pk=scope.task.owner_id)
    if scope.group == Group.LEADS:
        return leads_covering(scope.facility)
    if scope.group == Group.MANAGERS:
        return scope.facility.managers.filter(is_active=True)
    if scope.group == Group.TEAM and scope.inspection_id:
        team = User.objects.filter(
            inspector_profile__memberships__inspection=scope.inspection_id,
            inspector_profile__memberships__active=True,
            is_active=True,
        ).distinct()
        if scope.kind == TaskScope.Kind.VERIFY and scope.hazard_id:
            hazard = scope.hazard
            team = team.filter(
                pk__in=[u.pk for u in team if policy.department_verifier_refusal(u, hazard) is None]
            )
        return team
    return User.objects.none()


def reassign_refusal(user: User, scope: TaskScope, to: User | None) -> str | None:
    """A lead of the county hands an open task to someone who may do it there."""
    if not queue_for(user).filter(pk=scope.pk).exists():
        return _("Only a bureau lead of the county reassigns its tasks.")
    if scope.task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        return _("This task is no longer open.")
    if to is not None and not reassign_candidates(user, scope).filter(pk=to.pk).exists():
        return _("Choose someone of the county who may do this step.")
    return None


def reassign_candidates(user: User, scope: TaskScope) -> QuerySet[User]:
    """Whom a lead may hand the task to: people of the same kind as its group (or as
    its present person), active, whose scope holds the facility."""
    group = scope.group
    if group == Group.PERSON and scope.task.owner_id:
        owner = scope.task.owner
        group = (
            Group.LEADS
            if access.is_lead(owner)
            else Group.MANAGERS
            if access.is_manager(owner)
            else Group.TEAM
        )
    if group == Group.LEADS:
        return leads_covering(scope.facility)
    if group == Group.MANAGERS:
        return scope.facility.managers.filter(is_active=True)
    return User.objects.filter(
        inspector_profile__in=access.inspectors_for(user).filter(active=True), is_active=True
    )
