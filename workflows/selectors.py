"""Reads for the inbox, the leads' queue and a task's page."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from viewflow.workflow.models import Task

from core import pages
from core.workdays import Countdown

from .models import TaskScope
from .pages import action_url

# Due within this many working days: shown amber.
SOON_WORKING_DAYS = 3


RELATED = ("task", "task__owner", "facility", "hazard", "inspection")
# What a row of the inbox or the queue shows (partials/inbox.html, pages.action_url):
# the joined tables are wide, and reading only these columns is most of a page's cost.
ROW_FIELDS = (
    *(f.attname for f in TaskScope._meta.concrete_fields),
    "task__owner__username",
    "task__owner__full_name",
    "facility__name",
    "hazard__register_no",
)


def ordered(scopes: QuerySet[TaskScope]) -> QuerySet[TaskScope]:
    """Soonest due first, undated last, then oldest first (a scope's key is its task's,
    numbered in creation order)."""
    return scopes.order_by(F("due_on").asc(nulls_last=True), "pk")


def page(request: HttpRequest, scopes: QuerySet[TaskScope]) -> tuple[Page, list[TaskScope]]:
    """One page of ``scopes`` in order and its rows with what a row shows. The page is
    picked on the scope table alone and only its rows are joined to the rest: sorting
    thousands of joined rows to show twenty-five is what made a county's inbox slow."""
    chosen = pages.counted_page(request, ordered(scopes))
    keys = list(chosen.object_list)
    found = (
        TaskScope.objects.select_related("task__owner", "facility", "hazard")
        .only(*ROW_FIELDS)
        .in_bulk(keys)
    )
    return chosen, [found[key] for key in keys if key in found]


def search(
    scopes: QuerySet[TaskScope], *, text: str = "", kind: str = "", owner: str = ""
) -> QuerySet[TaskScope]:
    """The leads' queue filtered by register number or facility name, kind, person."""
    text = text.strip()
    if text:
        scopes = scopes.filter(
            Q(hazard__register_no__icontains=text) | Q(facility__name__icontains=text)
        )
    if kind in TaskScope.Kind.values:
        scopes = scopes.filter(kind=kind)
    if owner == "none":
        scopes = scopes.filter(task__owner=None)
    elif owner.isdigit():
        scopes = scopes.filter(task__owner=int(owner))
    return scopes


@dataclass(frozen=True)
class Row:
    scope: TaskScope
    url: str
    left: int | None  # working days to the due date; negative when past

    @property
    def overdue(self) -> int:
        return -self.left if self.left is not None and self.left < 0 else 0

    @property
    def urgency(self) -> str:
        if self.left is None:
            return ""
        if self.left < 0:
            return "overdue"
        return "soon" if self.left <= SOON_WORKING_DAYS else ""


def rows(scopes: Iterable[TaskScope], countdown: Countdown | None = None) -> list[Row]:
    """Each task with the page where it is done and its working-day countdown. Pass
    the request's countdown (``core.workdays.countdown_for``) so that the chips of
    the page share its one calendar query."""
    countdown = countdown or Countdown(timezone.localdate())
    return [Row(s, action_url(s), countdown.left(s.due_on) if s.due_on else None) for s in scopes]


def counts(scopes: QuerySet[TaskScope]) -> list[tuple[str, str, int]]:
    """Open tasks by kind: (kind, label, number), most first."""
    labels = dict(TaskScope.Kind.choices)
    numbers = scopes.order_by().values_list("kind").annotate(n=Count("pk"))
    return sorted(((k, labels.get(k, k), n) for k, n in numbers), key=lambda c: -c[2])


def owners(scopes: QuerySet[TaskScope]) -> list[tuple[int | None, str, int]]:
    """Open tasks by the person who holds them (None: offered to a group)."""
    numbers = (
        scopes.order_by()
        .values_list("task__owner", "task__owner__full_name", "task__owner__username")
        .annotate(n=Count("pk"))
    )
    return sorted(
        ((pk, name or username or "", n) for pk, name, username, n in numbers),
        key=lambda o: (o[0] is not None, -o[2]),
    )


def timeline(process_id: int) -> list[Task]:
    """Every step of the task's flow so far, people's and the machine's, oldest first."""
    return list(
        Task.objects.filter(process=process_id)
        .select_related("owner", "scope")
        .order_by("created", "pk")
    )
