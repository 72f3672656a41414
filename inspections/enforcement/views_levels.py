"""Pages of the supervision of lower levels: the list, the record of a 约谈/通报
(with the figures of the lower regions beside it), and one action. Thin: scope
through the access module, one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pages
from inspections import access
from registry.models import Region

from . import levels
from .forms_levels import LevelActionForm, lower_regions
from .models import LevelAction


@access.staff_required
def level_actions(request):
    """约谈/通报 issued by or addressed to the regions in the user's scope."""
    actions = access.level_actions_for(request.user).select_related(
        "issuer_region", "target_region"
    )
    region = None
    if request.GET.get("region"):
        region = access.region_for_user(request.user, request.GET["region"])
        if region is None:
            raise Http404
        actions = actions.filter(
            Q(target_region__path__startswith=region.path) | Q(issuer_region=region)
        )
    kind = request.GET.get("kind", "")
    if kind in LevelAction.Kind.values:
        actions = actions.filter(kind=kind)
    else:
        kind = ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/enforcement/level_list.html",
        {
            "page": pages.page(request, actions),
            "query": query.urlencode(),
            "region": region,
            "regions": access.regions_for(request.user).order_by("path"),
            "kind": kind,
            "kinds": LevelAction.Kind.choices,
            "can_add": bool(lower_regions(request.user).exists()),
        },
    )


def _figures(user, target):
    """The lower regions one level below the lead's, and the chosen target."""
    issuers = access.level_issuer_regions(user)
    regions = list(Region.objects.filter(parent__in=[r.pk for r in issuers]).order_by("path"))
    if target is not None and target not in regions:
        regions.insert(0, target)
    return levels.lower_level_figures(user, regions)


@access.lead_required
def level_action_add(request):
    user = request.user
    targets = lower_regions(user)
    target = targets.filter(code=request.GET.get("target", "")).first()
    initial = {"held_on": timezone.localdate(), "kind": LevelAction.Kind.INTERVIEW}
    if target is not None:
        initial["target_region"] = target.pk
    form = LevelActionForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = levels.level_action_record(by=user, **form.cleaned_data)
        except ValidationError as error:
            for message in pages.errors(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(number)s was recorded and the bureau's leads were told.")
                % {"number": action.number},
            )
            return redirect(action)
    return render(
        request,
        "inspections/enforcement/level_form.html",
        {
            "form": form,
            "has_targets": targets.exists(),
            "figures": _figures(user, target),
            "target": target,
        },
    )


@access.staff_required
def level_action_detail(request, pk):
    action = access.level_action_for_user(request.user, pk)
    return render(
        request,
        "inspections/enforcement/level_detail.html",
        {
            "action": action,
            "pdf_url": reverse("reports_staff:enforcement_document", args=["level", action.pk]),
        },
    )
