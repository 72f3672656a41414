"""Finishing an inspection announces one event; the hazards, the notice, the
re-checks, the publication, the managers and the flow follow it in the order
inspections/events.py lists, all in the finishing transaction."""

import ast
from pathlib import Path

import pytest
from django.utils.module_loading import import_string
from viewflow.workflow.models import Process, Task

from core.models import Notification, Sequence
from inspections import events
from inspections.hazards.models import Hazard, RectificationNotice
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from inspections.publication.models import Publication
from registry.models import User
from workflows.flows import InspectionFlow

from .conftest import item_key
from .test_onsite import answer, answer_all_passing, jpeg, sign_and_confirm

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ready(started, inspector, inspector2):
    """An inspection ready to finish with a general (S-01) and a major (S-02) hazard."""
    answer_all_passing(started, inspector)
    for code in ("S-01", "S-02"):
        answer(started, code, "fail", inspector, note=f"{code} 不合格")
        onsite_services.photo_add(
            inspection=started, key=item_key(started, code), upload=jpeg(), by=inspector
        )
    sign_and_confirm(started, inspector, inspector2)
    return started


def _patch(monkeypatch, path, replacement):
    module, name = path.rsplit(".", 1)
    monkeypatch.setattr(import_string(module), name, replacement)


def test_the_reactions_are_listed_in_their_documented_order():
    assert events.REACTIONS == (
        "inspections.hazards.reactions.register_found_hazards",
        "inspections.hazards.reactions.issue_notice",
        "inspections.hazards.reactions.apply_rechecks",
        "inspections.publication.reactions.open_result",
        "inspections.events.tell_managers",
        "inspections.duties.services.complete_from_self_inspection",
        "inspections.events.tell_flows",
    )


def test_it_runs_the_reactions_in_that_order_each_seeing_what_came_before(
    monkeypatch, ready, inspector
):
    seen = []

    def recording(path):
        reaction = import_string(path)

        def run(event):
            inspection = event.inspection
            seen.append(
                (
                    path.rsplit(".", 1)[1],
                    Inspection.objects.get(pk=inspection.pk).status,
                    Hazard.objects.filter(inspection=inspection).count(),
                    RectificationNotice.objects.filter(inspection=inspection).exists(),
                    Publication.objects.filter(inspection=inspection).exists(),
                )
            )
            reaction(event)

        return run

    for path in events.REACTIONS:
        _patch(monkeypatch, path, recording(path))

    onsite_services.inspection_finish(inspection=ready, by=inspector)

    finished = Inspection.Status.FINISHED
    assert seen == [
        # (reaction, inspection status, hazards, notice issued, publication opened)
        ("register_found_hazards", finished, 0, False, False),
        ("issue_notice", finished, 2, False, False),
        ("apply_rechecks", finished, 2, True, False),
        ("open_result", finished, 2, True, False),
        ("tell_managers", finished, 2, True, True),
        ("complete_from_self_inspection", finished, 2, True, True),
        ("tell_flows", finished, 2, True, True),
    ]


def test_the_event_carries_the_failed_items_that_make_hazards(monkeypatch, ready, inspector):
    announced = []
    monkeypatch.setattr(events, "announce", announced.append)

    onsite_services.inspection_finish(inspection=ready, by=inspector)

    (event,) = announced
    assert event.inspection.pk == ready.pk and event.by == inspector
    assert [failed.item.code for failed in event.failed_items] == ["S-01", "S-02"]
    assert [failed.answer.note for failed in event.failed_items] == ["S-01 不合格", "S-02 不合格"]


def test_a_failing_reaction_rolls_back_the_whole_finish(monkeypatch, ready, inspector):
    notifications = Notification.objects.count()
    counters = list(Sequence.objects.values_list("name", "year", "last"))

    def failing(event):
        raise RuntimeError("publication is down")

    _patch(monkeypatch, "inspections.publication.reactions.open_result", failing)
    with pytest.raises(RuntimeError, match="publication is down"):
        onsite_services.inspection_finish(inspection=ready, by=inspector)

    inspection = Inspection.objects.get(pk=ready.pk)
    assert inspection.status == Inspection.Status.IN_PROGRESS
    assert inspection.finished_at is None and inspection.result == ""
    assert not Hazard.objects.filter(facility=inspection.facility).exists()
    assert not RectificationNotice.objects.filter(inspection=inspection).exists()
    assert not Publication.objects.filter(inspection=inspection).exists()
    assert Notification.objects.count() == notifications
    assert list(Sequence.objects.values_list("name", "year", "last")) == counters
    process = Process.objects.get(flow_class=InspectionFlow, artifact_object_id=inspection.pk)
    assert Task.objects.filter(process=process, flow_task=InspectionFlow.record, status="NEW")

    monkeypatch.undo()
    done = onsite_services.inspection_finish(inspection=ready, by=inspector)
    # Nothing of the failed attempt used up a number: the register has no gap.
    assert sorted(done.hazards.values_list("register_no", flat=True)) == [
        "430602-2026-00001",
        "430602-2026-00002",
    ]


def test_it_refuses_to_announce_outside_a_transaction():
    event = events.InspectionFinished(inspection=Inspection(), by=User(), failed_items=())
    with pytest.raises(RuntimeError, match="inside its transaction"):
        events.announce(event)


def _imported(path):
    """The modules a source file imports, ``from inspections import x`` as inspections.x."""
    names = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", ["inspections/onsite/services.py", "inspections/events.py"])
def test_on_site_and_the_event_import_no_later_sub_domain(path):
    later = (
        "inspections.hazards.services",
        "inspections.hazards.reactions",
        "inspections.publication",
    )
    imported = _imported(path)
    assert imported, "the file imports something"
    assert not [name for name in imported if name.startswith(later)]
