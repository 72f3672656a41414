"""Reads that present plans and draws, shared by staff pages and the public site."""

from .models import Draw
from .services import iso


def draw_record(draw):
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


def revealed_draws(queryset=None):
    """Draws whose record is public, newest first."""
    queryset = queryset if queryset is not None else Draw.objects.all()
    draws = queryset.exclude(status=Draw.Status.FROZEN).select_related("plan")
    return [draw for draw in draws if draw.is_revealed()]
