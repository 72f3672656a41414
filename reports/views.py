"""The public site (一公开): published plans and their draws, no log-in needed."""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from inspections.models import Draw, Plan
from inspections.selectors import draw_record, revealed_draws
from registry.models import Facility, InspectorProfile

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
        draws.append({"draw": draw, "revealed": revealed, "rows": _rows(draw) if revealed else []})
    return render(
        request,
        "reports/public_plan_detail.html",
        {
            "plan": plan,
            "checklists": plan.checklists.select_related("template", "version"),
            "draws": draws,
        },
    )


def _rows(draw):
    """Facility and inspector names beside the codes of a revealed draw."""
    facility_pk = draw.code_map.get("facilities", {})
    inspector_pk = draw.code_map.get("inspectors", {})
    facilities = Facility.objects.in_bulk(facility_pk.values())
    inspectors = InspectorProfile.objects.select_related("user").in_bulk(inspector_pk.values())
    teams = {a["facility"]: list(a["inspectors"]) for a in draw.assignments}
    for substitution in draw.substitutions:
        team = teams[substitution["facility"]]
        team[team.index(substitution["out"])] = substitution["in"]
    return [
        {
            "code": code,
            "facility": facilities.get(facility_pk.get(code)),
            "inspectors": [(member, inspectors.get(inspector_pk.get(member))) for member in team],
        }
        for code, team in teams.items()
    ]


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
