"""The public site (一公开): published plans and their draws, no log-in needed."""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from inspections.models import Draw, Plan
from inspections.selectors import draw_names, draw_record, draw_rows, revealed_draws

JSON = {"ensure_ascii": False, "indent": 2}


def _public_plans():
    return Plan.objects.filter(status=Plan.Status.APPROVED).select_related(
        "region", "lead_department"
    )


def plan_list(request):
    page = Paginator(_public_plans(), 25).get_page(request.GET.get("page"))
    return render(request, "reports/public_plan_list.html", {"page": page})


def plan_detail(request, pk):
    plan = get_object_or_404(_public_plans(), pk=pk)
    draws = []
    for draw in plan.draws.all():
        revealed = draw.is_revealed()
        draws.append(
            {
                "draw": draw,
                "revealed": revealed,
                "rows": draw_rows(draw, draw_names(draw), current=True) if revealed else [],
            }
        )
    return render(
        request,
        "reports/public_plan_detail.html",
        {
            "plan": plan,
            "checklists": plan.checklists.select_related("template", "version"),
            "draws": draws,
        },
    )


def draw_list_json(request):
    draws = revealed_draws()
    return JsonResponse(
        [
            {
                "id": draw.pk,
                "plan": {"id": draw.plan_id, "name": draw.plan.name, "year": draw.plan.year},
                "status": draw.public_status,
                "url": request.build_absolute_uri(reverse("reports:draw_json", args=[draw.pk])),
            }
            for draw in draws
        ],
        safe=False,
        json_dumps_params=JSON,
    )


def draw_json(request, pk):
    """The draw record, once revealed; before that it does not exist for the public."""
    draw = Draw.objects.select_related("plan").filter(pk=pk).first()
    if draw is None or not draw.is_revealed():
        raise Http404
    response = JsonResponse(draw_record(draw), json_dumps_params=JSON)
    response["Access-Control-Allow-Origin"] = "*"
    return response
