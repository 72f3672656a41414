"""How publication (一公开) follows a finished inspection. ``inspections.events`` runs
it after the hazards' reactions, inside the finishing transaction."""

from inspections.events import InspectionFinished
from inspections.publication.services import publication_open


def open_result(event: InspectionFinished) -> None:
    """Queue the result for a lead's review, with the category the hazards allow
    now that the re-checks are decided (``publication_open`` leaves self-inspections
    unpublished)."""
    publication_open(inspection=event.inspection, by=event.by)
