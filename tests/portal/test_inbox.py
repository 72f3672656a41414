"""Each role's home page is its inbox: open tasks soonest due first with a working-day
countdown, one tap from the page where each is done, and the role's key numbers."""

import re

import pytest

from registry.models import User
from tests import demo_county
from workflows import policy
from workflows.models import TaskScope


@pytest.fixture
def demo(db, request):
    """The demo county, built through the services (once a run: tests/demo_county.py)."""
    demo_county.load(request)


def home(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get("/")


def kinds_on(page):
    return re.findall(r'data-task="([a-z_]+)"', page.content.decode())


@pytest.mark.django_db
def test_the_inspectors_home_lists_the_visit_and_the_fix_to_verify(demo):
    inspector = User.objects.get(username="demo-inspector")
    page = home(inspector)
    kinds = kinds_on(page)
    assert "visit" in kinds and "verify" in kinds
    # One tap: the visit opens the inspection, the fix its verification page.
    visit = TaskScope.objects.filter(
        kind="visit", open=True, inspection__team__inspector__user=inspector
    ).first()
    assert f'href="/inspections/inspections/{visit.inspection_id}/"' in page.content.decode()
    assert policy.tasks_for(inspector).filter(kind="verify").exists()


@pytest.mark.django_db
def test_the_managers_home_shows_the_notice_to_acknowledge_and_the_overdue_fix_in_red(demo):
    # demo-manager's facility was just inspected; demo-manager2's, 40 days ago.
    text = home(User.objects.get(username="demo-manager")).content.decode()
    assert 'data-task="acknowledge"' in text
    text = home(User.objects.get(username="demo-manager2")).content.decode()
    overdue = re.search(r'<tr class="task overdue" data-task="rectify">.*?</tr>', text, re.S)
    assert overdue, "no overdue fix in the manager's inbox"
    assert re.search(r'class="chip overdue"[^>]*>已逾期 \d+ 个工作日', overdue.group(0))
    # The overdue one comes first: soonest due first.
    assert kinds_on(home(User.objects.get(username="demo-manager2")))[0] == "rectify"


@pytest.mark.django_db
def test_the_leads_home_has_the_results_nearing_their_limit(demo):
    lead = User.objects.get(username="demo-lead")
    text = home(lead).content.decode()
    assert '<table class="table rows nearing">' in text
    assert 'data-task="review"' in text


@pytest.mark.django_db
def test_nobody_elses_task_is_in_an_inbox(demo):
    """Each open task is in exactly the inboxes of the people it waits for."""
    for user in User.objects.filter(username__startswith="demo-"):
        for scope in policy.tasks_for(user).select_related("task", "facility", "inspection"):
            assert user in policy.assignees(scope), (user.username, scope.kind)
    for scope in TaskScope.objects.filter(open=True).select_related("task", "facility"):
        for user in policy.assignees(scope):
            assert policy.is_offered(user, scope), (user.username, scope.kind)
