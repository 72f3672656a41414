"""Reads for a result's public record: hazard counts and labels of its content."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count
from django.utils.translation import gettext as _

from checklists.scoring import Result
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from inspections.publication.models import Publication
from registry.models import Category, Facility

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def result_hazard_counts(inspection: Inspection) -> dict[str, dict[str, int]]:
    """A result's hazards by class and status, live (a published result's counts follow
    its hazards as they close): {"general": {status: n, "open": n, "total": n}, "major": ...}."""
    counts = {
        severity: {**dict.fromkeys(Hazard.Status.values, 0), "open": 0, "total": 0}
        for severity in Hazard.Severity.values
    }
    rows = (
        Hazard.objects.filter(inspection=inspection)
        .order_by()
        .values_list("severity", "status")
        .annotate(n=Count("pk"))
    )
    for severity, status, n in rows:
        counts[severity][status] += n
        counts[severity]["total"] += n
        if status in Hazard.OPEN:
            counts[severity]["open"] += n
    return counts


def content_labels(content: Mapping[str, Any]) -> dict[str, Any]:
    """Labels in the reader's language for the codes a published version stores."""

    def label(choices: type[models.Choices], code: str) -> "StrOrPromise":
        return choices(code).label if code in choices.values else code

    return {
        "kind": label(Inspection.Kind, content.get("kind", "")),
        "facility_type": label(Facility.Type, content["facility"].get("type", "")),
        "category": label(Publication.Category, content.get("category", "")),
        "items": [
            {**row, "label": label(Category, row["category"])} for row in content.get("items", [])
        ],
        # A joint inspection's departments, each with its part (versions published
        # before joint inspections have none).
        "parts": [
            {**row, "result_label": label(Result, row.get("result", ""))}
            for row in content.get("parts") or []
        ],
    }


def parts_text(content: Mapping[str, Any]) -> str:
    """A joint inspection's parts in one line, for the open-data export."""
    return "；".join(
        _("%(department)s: %(result)s, score %(score)s, %(failed)s failed, %(hazards)s hazards")
        % {**row, "result": row["result_label"]}
        for row in content_labels(content)["parts"]
    )


def hazard_count_rows(counts: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """``result_hazard_counts`` as table rows: class, open, closed, total, and the open
    ones by status."""
    open_statuses = [s for s in Hazard.Status if s.value in Hazard.OPEN]
    return [
        {
            "severity": severity,
            "label": severity.label,
            "open": counts[severity]["open"],
            "closed": counts[severity][Hazard.Status.CLOSED],
            "total": counts[severity]["total"],
            # Labels are lazy: join them as text.
            "open_detail": "，".join(
                f"{status.label} {counts[severity][status]}"
                for status in open_statuses
                if counts[severity][status]
            ),
        }
        for severity in Hazard.Severity
    ]
