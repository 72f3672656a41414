"""Filters of the staff inspection list shared with the reports' overview, so that a
number on the overview and the list it links to count the same inspections."""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from core.periods import month_range, within
from inspections import access
from inspections.onsite.models import Inspection
from inspections.publication.models import Publication

# Every kind but self-inspections: the inspections the bureau carries out.
OFFICIAL = "official"


def planned_in(start, end):
    """Drawn for a plan whose window overlaps the days ``start`` to ``end`` (not
    including ``end``; either may be None). Cancelled ones do not count: a voided
    draw's inspections are drawn again."""
    q = Q(plan__isnull=False) & ~Q(status=Inspection.Status.CANCELLED)
    if start is not None:
        q &= Q(plan__window_end__gte=start)
    if end is not None:
        q &= Q(plan__window_start__lt=end)
    return q


def finished_in(start, end):
    """Finished from the day ``start`` up to the day ``end``, in local time."""
    return Q(status=Inspection.Status.FINISHED) & within("finished_at", start, end, moment=True)


# The result has been public (it may since have been withdrawn).
PUBLISHED = Q(publication__current__isnull=False)
AWAITING = Q(publication__status__in=[Publication.Status.PENDING, Publication.Status.RETURNED])
WITHDRAWN = Q(publication__status=Publication.Status.WITHDRAWN)
PUBLICATION = {"published": PUBLISHED, "awaiting": AWAITING, "withdrawn": WITHDRAWN}


def publication_label(value):
    return {
        "published": _("published (including later withdrawn)"),
        "awaiting": _("awaiting review or returned"),
        "withdrawn": _("withdrawn"),
    }[value]


def in_category(category):
    """Published, and the current version's result category is ``category``."""
    return Q(
        publication__status=Publication.Status.PUBLISHED,
        publication__current__category=category,
    )


def filtered(inspections, user, params):
    """Narrow ``inspections`` by ``region`` (a code within the user's scope, else 404),
    ``kind`` (a kind or ``official``), ``status``, ``planned_from``/``planned_to`` and
    ``finished_from``/``finished_to`` (YYYY-MM), ``publication`` (published, awaiting,
    withdrawn) and ``category`` (of a published result). Returns the inspections,
    the chosen filters as (parameter, label, value), and errors to show."""
    chosen, errors = [], []
    if params.get("region"):
        region = access.region_for_user(user, params["region"])
        if region is None:
            raise Http404
        inspections = inspections.filter(facility__region__path__startswith=region.path)
        chosen.append(("region", _("Region"), region.name))
    kind = params.get("kind", "")
    if kind == OFFICIAL:
        inspections = inspections.exclude(kind=Inspection.Kind.SELF)
        chosen.append(("kind", _("Kind"), _("All but self-inspections")))
    elif kind in Inspection.Kind.values:
        inspections = inspections.filter(kind=kind)
        chosen.append(("kind", _("Kind"), Inspection.Kind(kind).label))
    status = params.get("status", "")
    if status in Inspection.Status.values:
        inspections = inspections.filter(status=status)
        chosen.append(("status", _("Status"), Inspection.Status(status).label))
    ranges = (
        ("planned", planned_in, _("Plan window from"), _("Plan window until")),
        ("finished", finished_in, _("Finished from"), _("Finished until")),
    )
    for name, q, since, until in ranges:
        try:
            start, end = month_range(params, name)
        except ValueError:
            errors.append(_("Give the months as YYYY-MM, for example 2026-11."))
            continue
        if start is None and end is None:
            continue
        inspections = inspections.filter(q(start, end))
        for param, label, given in ((f"{name}_from", since, start), (f"{name}_to", until, end)):
            if given is not None:
                chosen.append((param, label, params[param]))
    publication = params.get("publication", "")
    if publication in PUBLICATION:
        inspections = inspections.filter(PUBLICATION[publication])
        chosen.append(("publication", _("Result"), publication_label(publication)))
    category = params.get("category", "")
    if category in Publication.Category.values:
        inspections = inspections.filter(in_category(category))
        chosen.append(("category", _("Result category"), Publication.Category(category).label))
    return inspections, chosen, errors
