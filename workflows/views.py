"""The leads' queue of the county's tasks, a task's own page and its reassignment.

The inbox itself is each person's home page (``portal.views.home``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import pages
from core.workdays import countdown_for
from inspections import access
from registry.models import User

from . import policy, selectors, services
from .models import TaskScope


def _visible(user, pk) -> TaskScope:
    """A task its people and the county's leads may open; 404 for anyone else."""
    visible = policy.queue_for(user) | policy.tasks_for(user)
    scope = visible.select_related(*selectors.RELATED).filter(pk=pk).first()
    if scope is None:
        raise Http404
    return scope


@login_required
def task_detail(request, pk, **kwargs):
    """What the task is, for whom, by when, its history and its flow's other steps, and
    the way to the page where it is done."""
    scope = _visible(request.user, pk)
    (row,) = selectors.rows([scope], countdown_for(request))
    history = scope.task.history.select_related("history_user").order_by("history_date")
    timeline = selectors.timeline(scope.task.process_id)
    may_reassign = policy.reassign_refusal(request.user, scope, None) is None
    return render(
        request,
        "workflows/task_detail.html",
        {
            "row": row,
            "history": history,
            "timeline": timeline,
            "mine": policy.is_offered(request.user, scope),
            "may_reassign": may_reassign,
            "candidates": policy.reassign_candidates(request.user, scope) if may_reassign else [],
        },
    )


@login_required
def task_reassign(request, pk):
    scope = _visible(request.user, pk)
    if request.method != "POST":
        return redirect("workflows:task_detail", pk=pk)
    chosen = request.POST.get("to", "")
    to = User.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if to is None:
        messages.error(request, _("Choose whom to hand the task to."))
        return redirect("workflows:task_detail", pk=pk)
    try:
        services.task_reassign(
            scope=scope, to=to, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as error:
        pages.flash(request, error)
        return redirect("workflows:task_detail", pk=pk)
    messages.success(request, _("The task was handed to %(name)s.") % {"name": to.display_name})
    return redirect("workflows:task_detail", pk=pk)


@login_required
def queue(request):
    """The county's open tasks, by person and kind, overdue first (leads only)."""
    if not access.is_lead(request.user):
        raise PermissionDenied
    scopes = policy.queue_for(request.user)
    filtered = selectors.search(
        scopes,
        text=request.GET.get("q", "")[:100],
        kind=request.GET.get("kind", ""),
        owner=request.GET.get("owner", ""),
    )
    page, scopes_shown = selectors.page(request, filtered)
    return render(
        request,
        "workflows/queue.html",
        {
            "page": page,
            "rows": selectors.rows(scopes_shown, countdown_for(request)),
            "kinds": TaskScope.Kind.choices,
            "by_kind": selectors.counts(scopes),
            "by_owner": selectors.owners(scopes),
            "q": request.GET.get("q", ""),
            "kind": request.GET.get("kind", ""),
            "owner": request.GET.get("owner", ""),
        },
    )
