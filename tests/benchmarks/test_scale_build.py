"""The scale data set (benchmarks/scale_build.py), built at its smallest size: what a
user of the built data would notice if the bulk writer broke an invariant."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from audit.models import ChangeLog
from benchmarks import scale_build
from inspections.hazards.models import Hazard
from inspections.onsite.models import Answer
from inspections.publication.models import Publication
from registry.models import Facility, User
from tests.conftest import SUITE_START


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    # Built in a transaction rolled back after the module, not flushed: a flush would
    # also empty what migrations put in (the major-hazard criteria, the chain's head),
    # which the tests run after these in the same process rely on.
    # Built at the suite's instant, as the tests then read it: the data set is dated
    # from "today" (deadlines on working days, hazards still open), so built on the
    # real day it changed from one day to the next.
    with (
        time_machine.travel(SUITE_START, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield scale_build.build("XS")
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_it_builds_what_it_reports(built):
    assert built["facilities"] == Facility.objects.count() > 0
    assert built["answers"] == Answer.objects.count() > 0
    assert built["hazards"] == Hazard.objects.count() > 0
    assert built["results"] == Publication.objects.filter(status="published").count() > 0
    assert built["changes"] == ChangeLog.objects.count()


def test_the_audit_chain_still_verifies(built):
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith(f"OK {built['changes']} rows")


def test_every_open_hazard_holds_its_next_alarm(built):
    open_hazards = Hazard.objects.filter(status__in=Hazard.OPEN)
    assert open_hazards.exists()
    assert not open_hazards.filter(next_alarm_at=None).exists()


def test_every_published_result_is_of_a_finished_inspection(built):
    published = Publication.objects.filter(status="published")
    assert not published.exclude(inspection__status="finished").exists()
    assert not published.filter(current=None).exists()


def test_every_hazard_points_at_a_failed_answer_of_its_inspection(built):
    for hazard in Hazard.objects.select_related("answer"):
        assert hazard.answer.inspection_id == hazard.inspection_id
        assert hazard.answer.item_id == hazard.item_id


def test_facilities_have_their_history_and_change_rows(built):
    facility = Facility.objects.order_by("pk").first()
    assert facility.history.filter(history_type="+").count() == 1
    assert ChangeLog.objects.filter(model="registry.facility", object_id=str(facility.pk)).exists()


def test_a_county_lead_reads_the_register(built):
    client = Client()
    client.force_login(User.objects.get(username=built["county_lead"]))
    hazard = Hazard.objects.order_by("pk").first()
    response = client.get("/inspections/hazards/")
    assert response.status_code == 200
    assert hazard.register_no.encode() in client.get(f"/inspections/hazards/{hazard.pk}/").content
