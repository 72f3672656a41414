"""The audit scope and the history CSV at size: the scope reads the user's region
ids once, and the CSV's queries grow with its batches by a fixed few, not with rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import views
from audit.access import changes_for
from audit.models import ChangeLog, ChangeRegion
from registry import services
from registry.models import Region, User
from tests.audit.conftest import csv_rows
from tests.conftest import PASSWORD

CSV_URL = reverse("audit:history_csv")


@pytest.fixture
def edits(world, lead):
    facility = world["facility"]
    for beds in range(121, 137):
        facility = services.facility_save(facility=facility, values={"beds": beds}, by=lead)
    other = world["other_facility"]
    for beds in range(61, 65):
        other = services.facility_save(facility=other, values={"beds": beds}, by=lead)


@pytest.fixture
def province_auditor(world):
    user = User.objects.create_user(
        username="province_auditor", password=PASSWORD, role=User.Role.AUDITOR, full_name="省审"
    )
    user.regions.set([Region.objects.get(parent=None)])
    return user


def old_scope(user):
    """The scope as it read before the ids were read first: the region test per change."""
    from django.db.models import Exists, OuterRef

    from inspections import access

    placed = ChangeRegion.objects.filter(change=OuterRef("pk"))
    mine = placed.filter(region__in=access.regions_for(user))
    old = ChangeLog.objects.filter(~Exists(placed) | Exists(mine))
    return set(old.values_list("pk", flat=True))


def scope(user):
    return set(changes_for(user).values_list("pk", flat=True))


def test_the_scope_is_the_region_test_for_county_province_and_admin(
    edits, auditor, other_auditor, province_auditor, admin_user
):
    everything = set(ChangeLog.objects.values_list("pk", flat=True))
    assert scope(admin_user) == everything
    assert scope(province_auditor) == old_scope(province_auditor) == everything
    assert scope(auditor) == old_scope(auditor)
    assert scope(other_auditor) == old_scope(other_auditor)
    assert scope(auditor) != scope(other_auditor)
    assert scope(auditor) < everything


def test_a_change_of_a_deleted_region_is_read_by_nobody(world, edits, auditor, province_auditor):
    change = ChangeLog.objects.filter(regions=world["county"]).first()
    gone = Region.objects.order_by("-pk").first().pk + 5
    between = Region.objects.order_by("pk").first().pk + 1000
    lost = ChangeLog.objects.filter(regions=world["other_county"]).first()
    ChangeRegion.objects.filter(change=change).update(region_id=gone)
    ChangeRegion.objects.filter(change=lost).update(region_id=between)
    for user in (auditor, province_auditor):
        assert change.pk not in scope(user)
        assert lost.pk not in scope(user)
        assert scope(user) == old_scope(user)
    # Still read where another of its regions lives.
    ChangeRegion.objects.create(change=change, region=world["county"])
    assert change.pk in scope(province_auditor) and change.pk in scope(auditor)


def _csv_queries(client):
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        rows = csv_rows(client.get(CSV_URL))
    return len(rows) - 1, [q["sql"] for q in captured.captured_queries]


def test_the_csv_costs_a_few_queries_per_batch_not_per_row(
    world, edits, province_auditor, as_user, monkeypatch
):
    client = as_user(province_auditor)
    # Every row names the same two regions, as a province's rows name its few regions.
    moved = {"region": [str(world["county"].pk), str(world["other_county"].pk)]}
    ChangeLog.objects.update(model="registry.facility", changes=moved)
    total = ChangeLog.objects.count()
    monkeypatch.setattr(views, "CSV_BATCH", -(-total // 2))
    rows, two = _csv_queries(client)
    assert rows == total
    monkeypatch.setattr(views, "CSV_BATCH", -(-total // 4))
    rows, four = _csv_queries(client)
    assert rows == total
    # The regions the rows name are read once, not again for each batch.
    assert len(four) <= len(two)
