"""The home page of a bureau lead whose county has 2,000 open tasks, against rendering
its template with the same context already built (see run.py for the figures)."""

from datetime import timedelta

TASKS = 2000
FACILITIES = 40


def _setup():
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from inspections.onsite.models import Inspection
    from registry.creditcode import check_character
    from registry.models import Facility, Region, User
    from workflows.flows import InspectionFlow
    from workflows.models import TaskScope

    county = Region.objects.create(code="430624", name="湘阴县")
    lead = User.objects.create_user(username="ib-lead", role="lead", full_name="周局长")
    lead.regions.set([county])
    facilities = []
    for n in range(FACILITIES):
        body = f"52430624MJ00000{n:02d}"
        facilities.append(
            Facility.objects.create(
                name=f"湘阴县第{n + 1}养老院",
                credit_code=body + check_character(body),
                type="care_home",
                address="湘阴县",
                region=county,
                beds=60,
            )
        )
    # The rows as the engine leaves them (a process per inspection, its result waiting
    # for the county's leads), written in bulk: building 2,000 finished inspections
    # through the services would take an hour and time nothing more of the page.
    artifact_type = ContentType.objects.get_for_model(Inspection)
    processes = Process.objects.bulk_create(
        Process(
            flow_class=InspectionFlow,
            status="NEW",
            artifact_content_type=artifact_type,
            artifact_object_id=n + 1,
        )
        for n in range(TASKS)
    )
    created = Task.objects.bulk_create(
        Task(process=process, flow_task=InspectionFlow.review, status=STATUS.NEW)
        for process in processes
    )
    today = timezone.localdate()
    TaskScope.objects.bulk_create(
        TaskScope(
            task=task,
            kind=TaskScope.Kind.REVIEW,
            object_id=n + 1,
            key=str(n),
            group=TaskScope.Group.LEADS,
            facility=facilities[n % FACILITIES],
            due_on=today + timedelta(days=n % 60 - 10),
        )
        for n, task in enumerate(created)
    )
    return lead


def bench_inbox(runs, best_of):
    """``inbox_ms``: the lead's home page, first page of 2,000 open tasks (session,
    access, queries, countdown, render); ``inbox_render_ms``: its template alone with
    the context already built; ``inbox_ratio``: page / render."""
    import logging

    from django.template.loader import get_template
    from django.test import Client

    from portal.views import home_context

    logging.getLogger("axes").setLevel(logging.WARNING)
    lead = _setup()
    client = Client(HTTP_HOST="localhost")
    client.force_login(lead)
    response = client.get("/")
    assert response.status_code == 200, response.status_code
    assert response.content.count(b'data-task="review"') >= 20
    request = response.wsgi_request
    context = home_context(request)
    template = get_template("portal/home.html")
    template.render(context, request)  # evaluates the context's lazy parts once

    def page():
        assert client.get("/").status_code == 200

    def render():
        template.render(context, request)

    runs = max(runs, 5)
    page_s = best_of(runs, page)
    render_s = best_of(runs, render)
    return {
        "inbox_ms": round(page_s * 1000, 1),
        "inbox_render_ms": round(render_s * 1000, 1),
        "inbox_ratio": round(page_s / render_s, 2),
        "inbox_tasks": TASKS,
    }
