"""A credit case waits in the county leads' inboxes: the recompute that opens it puts a
task there, the lead's decision (or the case's lapse) takes it away, and a lead of
another county never sees it."""

import uuid
from datetime import date

import pytest
from viewflow.workflow.models import Process
from viewflow.workflow.status import STATUS

from core.audited import save_with_history
from core.models import Notification
from inspections.credit import services
from inspections.credit.models import CreditCase, CreditEvent
from tests.conftest import add_facility, client_for
from workflows import policy
from workflows.flows import CreditFlow
from workflows.models import TaskScope

TODAY = date(2026, 12, 1)


def penalty(facility, *, kind=CreditEvent.Kind.PENALTY):
    """A sanction in the facility's file (-20 under the default rules: class C)."""
    return save_with_history(
        CreditEvent(
            facility=facility,
            kind=kind,
            occurred_on=date(2026, 11, 20),
            key=f"manual:{uuid.uuid4().hex}",
            detail="岳民罚〔2026〕1号",
        )
    )


def credit_rows(user):
    response = client_for(user).get("/")
    assert response.status_code == 200
    return [row for row in response.context["rows"] if row.scope.kind == TaskScope.Kind.CREDIT]


@pytest.fixture
def proposed(steady, lead):
    """A recompute after a penalty proposes class C for the facility."""
    penalty(steady["facility"])
    outcome = services.credit_recompute(today=TODAY)
    (case,) = outcome.opened
    assert (case.kind, case.proposed_class) == (CreditCase.Kind.CLASS, "C")
    return case


def test_a_proposal_of_the_recompute_is_a_task_in_the_county_leads_inbox(proposed, lead):
    (row,) = credit_rows(lead)
    assert row.url == proposed.get_absolute_url()
    assert row.scope.facility_id == proposed.facility_id
    page = client_for(lead).get("/").content.decode()
    assert 'data-task="credit"' in page
    assert f'href="{proposed.get_absolute_url()}"' in page
    # Nobody told the lead otherwise: the task's opening does.
    assert Notification.objects.filter(user=lead, url=proposed.get_absolute_url()).count() == 1


def test_a_lead_of_another_county_does_not_see_it(proposed, other_lead, manager):
    assert credit_rows(other_lead) == []
    assert not policy.tasks_for(other_lead).filter(kind=TaskScope.Kind.CREDIT).exists()
    assert not policy.queue_for(other_lead).filter(kind=TaskScope.Kind.CREDIT).exists()
    # Nor the facility's manager: the decision is the bureau's.
    assert credit_rows(manager) == []
    assert not Notification.objects.filter(user=other_lead).exists()


def test_deciding_the_case_closes_the_task_as_done_by_the_lead(proposed, lead):
    services.case_decide(case=proposed, decision=CreditCase.Decision.ACCEPTED, by=lead)
    assert credit_rows(lead) == []
    scope = TaskScope.objects.get(kind=TaskScope.Kind.CREDIT, object_id=proposed.pk)
    assert not scope.open
    assert scope.task.status == STATUS.DONE
    assert scope.task.owner == lead
    process = scope.task.process
    assert process.flow_class == CreditFlow
    process.refresh_from_db()
    assert process.status == STATUS.DONE


def test_a_case_that_lapses_cancels_its_task(proposed, lead):
    event = CreditEvent.objects.get(facility=proposed.facility)
    services.credit_event_withdraw(event=event, reason="文书送达有误", by=lead)
    proposed.refresh_from_db()
    assert proposed.status == CreditCase.Status.WITHDRAWN
    assert credit_rows(lead) == []
    scope = TaskScope.objects.get(kind=TaskScope.Kind.CREDIT, object_id=proposed.pk)
    assert not scope.open
    assert scope.task.status == STATUS.CANCELED
    assert Process.objects.get(pk=scope.task.process_id).status == STATUS.DONE


def test_a_second_recompute_opens_no_second_task(proposed, lead):
    services.credit_recompute(today=TODAY)
    assert len(credit_rows(lead)) == 1


def test_an_objection_is_a_task_and_the_lead_is_told_once(proposed, lead, manager):
    event = CreditEvent.objects.get(facility=proposed.facility)
    objection = services.objection_file(event=event, reasons="处罚决定已被撤销", by=manager)
    urls = {row.url for row in credit_rows(lead)}
    assert urls == {proposed.get_absolute_url(), objection.get_absolute_url()}
    assert Notification.objects.filter(user=lead, url=objection.get_absolute_url()).count() == 1


def test_the_inbox_costs_the_same_queries_for_few_and_many_credit_tasks(steady, lead):
    from tests.workflows.test_inbox_queries import _queries

    facilities = [steady["facility"], steady["other_facility"]]
    for facility in facilities:
        penalty(facility)
    services.credit_recompute(today=TODAY)
    few = _queries(lead, "/")
    for n in range(8):
        penalty(add_facility(steady["county"], 100 + n, f"岳阳楼区第{n}敬老院"))
    services.credit_recompute(today=TODAY)
    assert policy.tasks_for(lead).filter(kind=TaskScope.Kind.CREDIT).count() == 10
    assert _queries(lead, "/") == few


def test_the_tasks_history_belongs_to_the_facilitys_county(proposed):
    """Its auditors read the task's history, and no other county's do."""
    from django.apps import apps

    from audit.places import Places

    scope = TaskScope.objects.get(kind=TaskScope.Kind.CREDIT, object_id=proposed.pk)
    place = Places(apps).process(scope.task.process_id)
    assert place.regions == {proposed.facility.region_id}
