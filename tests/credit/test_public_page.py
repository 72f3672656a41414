"""The public facility page (一公开) shows a facility's credit: its class letter with
the date a lead decided it, the lists it is on with their entry dates, and its
penalties, beside its published results; never an event of another kind, a
withdrawn one, or anything about a person. Only active facilities show credit."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audited import save_with_history
from inspections.credit.models import CreditEvent, CreditList
from tests.conftest import add_facility
from tests.credit.test_export import decide_class, event, put_on_list
from tests.inspections.conftest import finish_case as finish
from tests.reports.test_public_results import publish

Kind = CreditEvent.Kind


def page_of(client, facility):
    response = client.get(
        reverse("reports:facility_detail", args=[facility.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    return response.status_code, response.content.decode()


@pytest.fixture
def listed(world, lead):
    """The county's facility, class D decided today, on both lists, with a penalty, a
    withdrawn penalty and events of kinds the public does not see."""
    home = world["facility"]
    decide_class(home, "D", lead)
    put_on_list(home, CreditList.KEY, lead)
    put_on_list(home, CreditList.DISHONEST, lead)
    event(home, "manual:p1", Kind.PENALTY, date(2026, 5, 6), "罚款决定书 李四", recorded_by=lead)
    event(
        home,
        "manual:p2",
        Kind.PENALTY,
        date(2026, 7, 8),
        withdrawn_at=timezone.now(),
        withdrawn_by=lead,
        withdrawn_reason="复核撤销",
    )
    event(home, "manual:p3", Kind.SIGNATURE_REFUSED, date(2026, 9, 10))
    event(home, "manual:p4", Kind.HAZARD_OVERDUE, date(2026, 9, 11), "YYL-OVERDUE-1")
    home.refresh_from_db()
    return home


def test_anyone_sees_the_class_its_date_and_the_lists(client, world, listed, lead, manager):
    status, page = page_of(client, listed)
    assert status == 200
    assert 'class="credit-class">D<' in page
    assert "2026-12-01" in page  # the class decided, the lists entered
    assert str(CreditList.KEY.label) in page and str(CreditList.DISHONEST.label) in page
    # The penalty that stands, by its date; not its hand-typed detail, not the withdrawn one.
    assert "2026-05-06" in page and str(Kind.PENALTY.label) in page
    assert "李四" not in page
    assert "2026-07-08" not in page and "复核撤销" not in page
    # Kinds the public does not see.
    assert "2026-09-10" not in page and "2026-09-11" not in page
    assert str(Kind.SIGNATURE_REFUSED.label) not in page and "YYL-OVERDUE-1" not in page
    for person in (lead, manager):
        assert person.full_name not in page


def test_a_facility_never_decided_or_listed_says_so(
    client, world, onsite_template, inspector, inspector2, lead
):
    home = world["other_facility"]
    publish(finish(home, onsite_template, (inspector, inspector2)), lead)
    status, page = page_of(client, home)
    assert status == 200
    assert 'class="credit-class">A<' in page
    assert "not yet decided by the bureau" in page
    assert str(CreditList.KEY.label) not in page
    assert "No administrative penalty on record." in page


def test_a_listed_facility_without_results_has_a_page_and_an_unknown_one_has_none(
    client, world, listed
):
    assert page_of(client, listed)[0] == 200
    assert page_of(client, world["far_facility"])[0] == 404


def test_a_closed_facility_shows_no_credit(
    client, world, lead, onsite_template, inspector, inspector2
):
    closed = add_facility(world["county"], 91, "已停业养老院")
    decide_class(closed, "D", lead)
    put_on_list(closed, CreditList.DISHONEST, lead)
    closed.refresh_from_db()
    closed.active = False
    save_with_history(closed)
    assert page_of(client, closed)[0] == 404
    # Its published results keep their page, without the credit.
    publish(finish(closed, onsite_template, (inspector, inspector2)), lead)
    status, page = page_of(client, closed)
    assert status == 200
    assert 'class="credit-class"' not in page
    assert str(CreditList.DISHONEST.label) not in page


def test_the_page_is_linked_from_the_public_results(
    client, world, listed, onsite_template, inspector, inspector2, lead
):
    publish(finish(listed, onsite_template, (inspector, inspector2)), lead)
    listing = client.get(reverse("reports:result_list")).content.decode()
    assert reverse("reports:facility_detail", args=[listed.pk]) in listing


def test_the_page_costs_the_same_queries_however_many_penalties_and_lists(
    client, world, lead, django_assert_max_num_queries
):
    home = world["facility"]
    decide_class(home, "C", lead)
    url = reverse("reports:facility_detail", args=[home.pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    put_on_list(home, CreditList.KEY, lead)
    for n in range(5):
        event(home, f"manual:q{n}", Kind.PENALTY, date(2026, 3, n + 1))
    assert count() == before
    with django_assert_max_num_queries(8):
        client.get(url)
