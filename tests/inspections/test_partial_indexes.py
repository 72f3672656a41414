"""The partial indexes name their statuses literally (a model's nested classes are not
visible from its Meta): each must hold exactly the statuses its queries ask for, or the
planner can no longer use it and the pages it serves grow with the years of history."""

from inspections.access import public_results, undisclosed_inspections
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from inspections.publication.models import Publication


def _statuses(model, name):
    [index] = [index for index in model._meta.indexes if index.name == name]
    [(lookup, values)] = index.condition.children
    assert lookup == "status__in"
    return sorted(values)


def test_the_review_queue_index_holds_the_waiting_statuses():
    assert _statuses(Publication, "publication_waiting") == sorted(Publication.WAITING)


def test_the_open_hazards_index_holds_the_open_statuses():
    assert _statuses(Hazard, "hazard_open_by_facility") == sorted(Hazard.OPEN)


def test_the_undisclosed_index_holds_the_access_rule():
    [index] = [i for i in Inspection._meta.indexes if i.name == "inspection_undisclosed"]
    rule = {(c.lhs.target.name, c.rhs) for c in undisclosed_inspections().query.where.children}
    assert rule == {(field, value) for field, value in index.condition.children}


def test_the_public_results_index_holds_the_access_rule():
    [index] = [i for i in Publication._meta.indexes if i.name == "publication_public_by_region"]

    def plain(value):
        return tuple(sorted(str(v) for v in value)) if isinstance(value, list) else value

    rule = {
        (f"{c.lhs.target.name}__{c.lookup_name}", plain(c.rhs))
        for c in public_results().query.where.children
    }
    assert rule == {(lookup, plain(value)) for lookup, value in index.condition.children}
