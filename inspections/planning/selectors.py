"""Reads of plans and draws: the public draw record and the draw's rows."""

from typing import Any

from core.timefmt import iso
from inspections.onsite.models import Inspection
from inspections.planning import drawing
from inspections.planning.models import Draw, DrawQuerySet
from registry.models import Department, Facility, InspectorProfile

# The facility and the inspector behind each code of a draw (None: since deleted).
DrawNames = tuple[dict[str, Facility | None], dict[str, InspectorProfile | None]]


def draw_record(draw: Draw) -> dict[str, Any]:
    """The public record of a draw: exactly the keys docs/draw-algorithm.md lists."""
    candidates = draw.candidates
    plan = draw.plan
    return {
        "algorithm": draw.algorithm,
        "plan": {"id": plan.pk, "name": plan.name, "year": plan.year},
        "frozen_at": iso(draw.frozen_at),
        "drawn_at": iso(draw.drawn_at),
        "commitment": draw.commitment,
        "secret": draw.secret,
        "public_entropy": draw.public_entropy or None,
        "public_entropy_source": draw.public_entropy_source or None,
        "seed": draw.seed or None,
        "candidates_sha256": draw.candidates_sha256,
        "parameters": candidates["parameters"],
        "strata": candidates["strata"],
        "inspectors": candidates["inspectors"],
        "exclusions": candidates["exclusions"],
        "selected": draw.selected,
        "assignments": draw.assignments,
        "substitutions": draw.substitutions,
        "status": draw.public_status,
        "void_reason": draw.public_void_reason,
    }


def revealed_draws(queryset: DrawQuerySet | None = None) -> list[Draw]:
    """Draws whose record is public, newest first."""
    queryset = queryset if queryset is not None else Draw.objects.all()
    return list(queryset.revealed().select_related("plan"))


def draw_names(draw: Draw) -> DrawNames:
    """The facility and inspector behind each code of a draw, as frozen."""
    facility_pk = draw.code_map.get("facilities", {})
    inspector_pk = draw.code_map.get("inspectors", {})
    facilities = Facility.objects.in_bulk(facility_pk.values())
    inspectors = InspectorProfile.objects.select_related("user").in_bulk(inspector_pk.values())
    return (
        {code: facilities.get(pk) for code, pk in facility_pk.items()},
        {code: inspectors.get(pk) for code, pk in inspector_pk.items()},
    )


def draw_rows(draw: Draw, names: DrawNames, current: bool = False) -> list[dict[str, Any]]:
    """Each drawn facility with its team, named; ``current`` applies the substitutions.
    ``not_carried_out`` is the reason its inspection was cancelled before it started
    (the draw was voided, or the plan's window ended), else empty. In a joint draw
    (v3) ``departments`` holds the team by department: [(department, [(code, profile)])]."""
    facilities, inspectors = names
    teams = {a["facility"]: list(a["inspectors"]) for a in draw.assignments}
    if current:
        for substitution in draw.substitutions:
            team = teams[substitution["facility"]]
            team[team.index(substitution["out"])] = substitution["in"]
    code_of = {pk: code for code, pk in draw.code_map.get("facilities", {}).items()}
    cancelled = {
        code_of.get(facility_id): reason
        for facility_id, reason in draw.inspections.filter(
            status=Inspection.Status.CANCELLED
        ).values_list("facility_id", "cancelled_reason")
    }
    department_of = drawing.department_of_codes(draw.candidates["inspectors"])
    department_pk = draw.code_map.get("departments", {})
    found = Department.objects.in_bulk(department_pk.values()) if department_of else {}
    departments = {code: found.get(pk) or code for code, pk in department_pk.items()}

    def by_department(team: list[str]) -> list[tuple[Any, list[tuple[str, Any]]]]:
        if not department_of:
            return []
        order = [entry["code"] for entry in draw.candidates["parameters"]["departments"]]
        return [
            (
                departments.get(code, code),
                [(m, inspectors.get(m)) for m in team if department_of.get(m) == code],
            )
            for code in order
        ]

    return [
        {
            "code": code,
            "facility": facilities.get(code),
            "inspectors": [(member, inspectors.get(member)) for member in team],
            "departments": by_department(team),
            "not_carried_out": cancelled.get(code, ""),
        }
        for code, team in teams.items()
    ]
