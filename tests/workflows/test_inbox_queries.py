"""The inbox and the leads' queue cost the same number of queries whatever the number
of tasks they list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.inspections.conftest import make_hazard
from workflows import tasks
from workflows.models import TaskScope


def _rectifying(world, lead, n):
    for _ in range(n):
        hazard = make_hazard(world["facility"], lead, status="rectifying")
        hazard.due_on = timezone.localdate() + timedelta(days=len(str(hazard.pk)))
        hazard.save()
        tasks.follow_hazard(hazard, lead)


def _queries(user, url):
    from django.test import Client

    client = Client()
    client.force_login(user)
    client.get(url)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/", "/tasks/"])
def test_the_inbox_and_the_queue_cost_the_same_queries_for_5_and_50_tasks(
    world, lead, manager, url
):
    user = manager if url == "/" else lead
    _rectifying(world, lead, 5)
    few = _queries(user, url)
    _rectifying(world, lead, 45)
    assert TaskScope.objects.filter(open=True).count() == 50
    assert _queries(user, url) == few


def test_the_inbox_reads_its_page_and_total_in_one_query_and_the_calendar_once(world, lead):
    from django.test import Client
    from viewflow.workflow.models import Task

    _rectifying(world, lead, 30)
    # Handed to the lead, so that their home shows both dated rows and the results
    # nearing their limit, each of which reads working days.
    Task.objects.filter(scope__open=True).update(owner=lead)
    client = Client()
    client.force_login(lead)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.context["page"].paginator.count == 30
    assert len(response.context["rows"]) == 25
    sql = [query["sql"] for query in captured]
    assert not [q for q in sql if 'COUNT(*) AS "__count" FROM "workflows_taskscope"' in q]
    assert len([q for q in sql if "core_calendarday" in q]) == 1
