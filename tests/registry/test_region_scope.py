"""The scope filter resolves the reader's region ids first (registry.access.region_q):
the rows it gives are those of the region tree's path test it replaced, for every kind
of reader, whether the ids are listed or, for a wide scope, read by a subquery."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections import access
from inspections.hazards.models import Hazard
from inspections.onsite.models import Inspection
from registry.access import paths_q
from registry.models import Facility, Region, User
from tests.conftest import add_facility
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    case,
    make_hazard,
    onsite_template,
)


@pytest.fixture
def tree(world, lead):
    """Two townships under the lead's county, another city with a county, a facility
    in each and a hazard at every facility."""
    county = world["county"]
    towns = [
        Region.objects.create(code=f"430602{n:03d}", name=f"镇{n}", parent=county) for n in (1, 2)
    ]
    city = Region.objects.create(code="430100", name="长沙市", parent=world["province"])
    far = Region.objects.create(code="430102", name="芙蓉区", parent=city)
    for serial, region in enumerate([*towns, far], start=50):
        add_facility(region, serial, f"{region.name}养老院")
    for facility in Facility.objects.all():
        make_hazard(facility, lead)
    return {"towns": towns, "far": far}


def province_lead(world):
    user = User.objects.create_user(username="province-lead", role=User.Role.LEAD)
    user.regions.set([world["province"]])
    return user


def by_paths(user, model, lookup):
    """The scope as it was: each row's region path tested against the user's paths."""
    paths = [region.path for region in user.regions.all()]
    return set(model.objects.filter(paths_q(paths, lookup)).values_list("pk", flat=True))


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


def fresh(user):
    """The user as a new request loads it (nothing resolved yet)."""
    return User.objects.get(pk=user.pk)


def assert_same_rows(user):
    assert pks(access.facilities_for(fresh(user))) == by_paths(user, Facility, "region__path")
    assert pks(access.hazards_for(fresh(user))) == by_paths(user, Hazard, "facility__region__path")
    assert pks(access.inspections_for(fresh(user))) == by_paths(
        user, Inspection, "facility__region__path"
    )


@pytest.mark.usefixtures("case")
def test_a_county_lead_with_townships_sees_the_same_rows(tree, lead):
    assert_same_rows(lead)
    facilities = access.facilities_for(fresh(lead))
    assert set(facilities.values_list("region", flat=True)) == {
        lead.regions.get().pk,
        *(town.pk for town in tree["towns"]),
    }


@pytest.mark.usefixtures("case")
def test_a_province_lead_sees_the_same_rows(world, tree):
    user = province_lead(world)
    assert_same_rows(user)
    assert pks(access.facilities_for(fresh(user))) == pks(Facility.objects.all())


@pytest.mark.usefixtures("case")
def test_a_wide_scope_is_read_by_a_subquery_with_the_same_rows(world, tree, monkeypatch):
    from registry import access as registry_access

    user = province_lead(world)
    monkeypatch.setattr(registry_access, "LISTED_REGIONS", 2)
    reader = fresh(user)
    sql = str(access.facilities_for(reader).query)
    assert "SELECT" in sql.split("WHERE", 1)[1], sql
    assert_same_rows(user)


@pytest.mark.usefixtures("case")
def test_another_county_sees_none_of_the_county(tree, other_lead):
    assert_same_rows(other_lead)
    assert not access.hazards_for(fresh(other_lead)).filter(facility__region__code="430602")


@pytest.mark.usefixtures("case")
def test_an_administrator_and_a_manager_keep_their_scope(world, tree, admin_user, manager):
    assert pks(access.facilities_for(admin_user)) == pks(Facility.objects.all())
    assert pks(access.hazards_for(admin_user)) == pks(Hazard.objects.all())
    assert pks(access.facilities_for(fresh(manager))) == {world["facility"].pk}
    assert pks(access.hazards_for(fresh(manager))) == pks(
        Hazard.objects.filter(facility=world["facility"])
    )


def test_a_reader_without_regions_sees_nothing(world, tree):
    user = User.objects.create_user(username="nowhere", role=User.Role.LEAD)
    assert not access.facilities_for(user).exists()
    assert not access.hazards_for(fresh(user)).exists()


@pytest.mark.usefixtures("case")
def test_the_regions_are_resolved_once_per_request(world, tree, lead):
    reader = fresh(lead)
    with CaptureQueriesContext(connection) as first:
        list(access.facilities_for(reader))
    with CaptureQueriesContext(connection) as again:
        list(access.facilities_for(reader))
        list(access.hazards_for(reader))
        list(access.inspections_for(reader))
    # The user's regions, the ids below them, the rows; then only the rows.
    assert len(first) == 3
    assert len(again) == 3
    assert '"registry_region"."path"' not in " ".join(q["sql"] for q in again.captured_queries)


def test_the_scope_costs_the_same_queries_however_many_facilities(world, lead):
    def scope_queries():
        with CaptureQueriesContext(connection) as queries:
            reader = fresh(lead)
            access.facilities_for(reader).count()
            list(access.hazards_for(reader)[:25])
        return len(queries)

    few = scope_queries()
    for serial in range(60, 90):
        add_facility(world["county"], serial, f"新增养老院{serial}")
    assert scope_queries() == few
