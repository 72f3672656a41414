"""Finding changes by what people call things: a facility's name or code, a hazard's
register number, a notice's or a document's number.

A search names objects (the roots); the changes found are those of the roots and of
what belongs to them: a facility's inspections (with every change placed at an
inspection, see ``audit.places``), hazards, photos, conflicts and tasks; a hazard's
fixes, extensions, alarms, supervision, photos and tasks; the inspection a notice or
a document was issued for, or a document's plan with its templates and draws.
Names and links are read from the history tables, so a facility is found by a name
it had and a deleted hazard's changes are still found. The answer is one ``Q`` of
subqueries: the caller narrows ``changes_for`` with it, and a page costs one query
however many objects the words name.
"""

from typing import NamedTuple

from django.apps import apps
from django.db.models import CharField, Q
from django.db.models.functions import Cast

FACILITY = "registry.facility"
INSPECTION = "inspections.inspection"
HAZARD = "inspections.hazard"
NOTICE = "inspections.rectificationnotice"
DOCUMENT = "inspections.issueddocument"
PLAN = "inspections.plan"
TASK_SCOPE = "workflows.taskscope"


class Link(NamedTuple):
    """Objects of ``changed`` belong to the object of ``owner`` their ``field`` names."""

    changed: str
    field: str
    owner: str


# Owners come before what they own. What is placed at an inspection (audit.places)
# is found through ChangeLog.inspection instead: its team, answers, notice, result,
# documents and tasks, and the hazards it found with their fixes and photos. The
# links find what belongs to no inspection: a hazard reported by a complaint.
LINKS = [
    Link(INSPECTION, "facility", FACILITY),
    Link("registry.conflictofinterest", "facility", FACILITY),
    Link(HAZARD, "facility", FACILITY),
    Link("inspections.supervision", "hazard", HAZARD),
    Link("inspections.supervisionnote", "supervision", "inspections.supervision"),
    Link("inspections.hazardalarm", "hazard", HAZARD),
    Link("inspections.rectification", "hazard", HAZARD),
    Link("inspections.extension", "hazard", HAZARD),
    Link("inspections.photo", "facility", FACILITY),
    Link("inspections.photo", "hazard", HAZARD),
    Link("inspections.evidenceaccess", "photo", "inspections.photo"),
    Link(TASK_SCOPE, "facility", FACILITY),
    Link(TASK_SCOPE, "hazard", HAZARD),
    Link("inspections.plantemplate", "plan", PLAN),
    Link("inspections.draw", "plan", PLAN),
]


def _history(label):
    return apps.get_model(label).history.model.objects.order_by()


def named_by(words):
    """A ``Q`` on ChangeLog: the changes of the objects ``words`` names and of what
    belongs to them."""
    # Numbers and codes are printed in capitals; a reader may type them in either case.
    codes = {words, words.upper()}
    documents = _history(DOCUMENT).filter(number__in=codes)
    # label → the condition on its history rows that names its objects
    conditions = {
        FACILITY: Q(name__icontains=words) | Q(credit_code__in=codes) | Q(directory_no__in=codes),
        HAZARD: Q(register_no__in=codes),
        NOTICE: Q(number__in=codes),
        DOCUMENT: Q(number__in=codes),
        # A notice or a document names the inspection it was issued for, or the plan.
        INSPECTION: Q(id__in=_history(NOTICE).filter(number__in=codes).values("inspection"))
        | Q(id__in=documents.exclude(inspection=None).values("inspection")),
        PLAN: Q(id__in=documents.exclude(plan=None).values("plan")),
    }
    rows = {}

    def named(label):
        """The history rows of the objects of ``label`` named; asked only once every
        link into ``label`` is in its condition (LINKS' order)."""
        if label not in rows:
            rows[label] = _history(label).filter(conditions[label])
        return rows[label]

    def ids(label):
        return named(label).values(_pk(label))

    for link in LINKS:
        owned = Q(**{f"{link.field}__in": ids(link.owner)})
        conditions[link.changed] = conditions.get(link.changed, Q()) | owned
    found = Q(inspection__in=ids(INSPECTION))
    for label in [label for label in conditions if label != INSPECTION]:
        found |= Q(model=label, object_id__in=_keys(named(label), _pk(label)))
    # A task is named when its scope is: the scope's key is the task's.
    found |= Q(model="viewflow.task", object_id__in=_keys(named(TASK_SCOPE), _pk(TASK_SCOPE)))
    return found


def _pk(label):
    return apps.get_model(label)._meta.pk.name


def _keys(rows, pk):
    # ChangeLog.object_id is text (it names objects of every model).
    return rows.annotate(search_key=Cast(pk, CharField())).values("search_key")
