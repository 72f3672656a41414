"""Where each kind of task is done: the domain page a tap in the inbox opens."""

from django.urls import reverse

from .models import TaskScope


def action_url(scope: TaskScope) -> str:
    """The page where the step is done."""
    kind, Kind = scope.kind, TaskScope.Kind
    if kind in (Kind.SCHEDULE, Kind.VISIT):
        return reverse("inspections:inspection_detail", args=[scope.inspection_id])
    if kind in (Kind.CONFIRM, Kind.SIGN):
        return reverse("inspections:finish", args=[scope.inspection_id])
    if kind == Kind.ACKNOWLEDGE:
        return reverse("inspections:notice_detail", args=[scope.object_id])
    if kind in (Kind.REVIEW, Kind.REVISE):
        return reverse("inspections:publication_review", args=[scope.object_id])
    if kind == Kind.CREDIT:
        return reverse("inspections:credit_case", args=[scope.object_id])
    # The hazard's page holds the form of each of its steps (they post elsewhere).
    anchor = {
        Kind.RECTIFY: "rectify",
        Kind.VERIFY: "verify",
        Kind.PLAN: "plan",
        Kind.NOTE: "progress",
        Kind.SIGN_OFF: "sign-off",
        Kind.EXTENSION: "extension",
        Kind.INTERVIEW: "ladder",
        Kind.CONTROL: "ladder",
        Kind.CASE: "ladder",
    }.get(TaskScope.Kind(kind))
    if anchor:
        return reverse("inspections:hazard_detail", args=[scope.hazard_id]) + "#" + anchor
    if kind == Kind.REINSPECT:
        # A hazard's task carries the inspection that found it.
        return reverse("inspections:reinspection_open", args=[scope.inspection_id])
    return reverse("inspections:hazard_detail", args=[scope.hazard_id])
