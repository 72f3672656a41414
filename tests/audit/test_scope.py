"""Who reads which change: every change is recorded with its regions and the
inspection it is about, and the audit browser (list, detail, CSV) shows an auditor
only those of their regions, those of objects of no region, and nothing of an
unannounced inspection before it starts."""

import importlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as live_apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeLog, ChangeRegion
from audit.places import RULES, SHARED
from inspections.onsite import services as onsite_services
from inspections.planning import services as planning_services
from registry import services
from tests.audit.conftest import csv_rows
from tests.conftest import add_facility
from tests.test_history_coverage import domain_models

HISTORY = reverse("audit:history")
CSV_URL = reverse("audit:history_csv")
LOCAL = ZoneInfo(settings.TIME_ZONE)
COMPLAINT = "群众来电反映夜间疏散通道堆放杂物。"
backfill = importlib.import_module("audit.migrations.0004_backfill_change_regions").backfill


def listed(client, **params):
    """Every change the list offers, across its pages (the paginator's query)."""
    response = client.get(HISTORY, params)
    assert response.status_code == 200
    return set(response.context["changes"].values_list("pk", flat=True))


def csv_text(client, **params):
    response = client.get(CSV_URL, params)
    assert response.status_code == 200
    return "\n".join(",".join(row) for row in csv_rows(response))


def of_region(region):
    return set(ChangeLog.objects.filter(regions=region).values_list("pk", flat=True))


@pytest.fixture
def county_busy(world, lead, inspector):
    """Changes of the county: a facility edited, a conflict declared, and a started
    case inspection with its complaint."""
    services.facility_save(facility=world["facility"], values={"beds": 130}, by=lead)
    services.conflict_declare(
        inspector=inspector.inspector_profile, facility=world["other_facility"], reason="亲属"
    )


@pytest.fixture
def started_case(case, inspector):
    return onsite_services.inspection_start(inspection=case, by=inspector)


# ---------------------------------------------------------------- regions


@pytest.mark.parametrize("model", list(domain_models()), ids=lambda m: m._meta.label)
def test_every_audited_model_has_a_place(model):
    label = model._meta.label_lower
    assert (label in RULES) != (label in SHARED), (
        f"{label}: add a rule to audit.places.RULES, or list it in SHARED (no region)"
    )


def test_changes_are_recorded_with_their_region(world, county_busy, started_case):
    facility_change = ChangeLog.objects.filter(
        model="registry.facility", object_id=str(world["facility"].pk), action="~"
    ).first()
    assert list(facility_change.regions.all()) == [world["county"]]
    answers_and_team = ChangeLog.objects.filter(inspection=started_case)
    assert {"inspections.inspection", "inspections.teammember"} <= set(
        answers_and_team.values_list("model", flat=True)
    )
    assert not answers_and_team.exclude(regions=world["county"]).exists()
    checklist_rows = ChangeLog.objects.filter(model__startswith="checklists.")
    assert checklist_rows.exists()
    assert not ChangeRegion.objects.filter(change__in=checklist_rows).exists()


def test_an_auditor_of_another_county_reads_none_of_its_changes(
    world, county_busy, started_case, other_auditor, as_user
):
    county_only = of_region(world["county"]) - of_region(world["other_county"])
    assert ChangeLog.objects.filter(pk__in=county_only, inspection=started_case).exists()
    client = as_user(other_auditor)
    assert not listed(client) & county_only
    for pk in county_only:
        assert client.get(reverse("audit:change", args=[pk])).status_code == 404
    text = csv_text(client)
    for secret in (world["facility"].name, world["other_facility"].name, COMPLAINT, "李喆"):
        assert secret not in text


def test_an_auditor_reads_their_own_countys_changes(
    world, county_busy, started_case, auditor, as_user
):
    county = of_region(world["county"])
    client = as_user(auditor)
    assert county <= listed(client)
    assert client.get(reverse("audit:change", args=[min(county)])).status_code == 200
    assert COMPLAINT in csv_text(client)


def test_every_auditor_reads_the_checklist_librarys_changes(
    published_template, auditor, other_auditor, as_user
):
    rows = set(
        ChangeLog.objects.filter(model__startswith="checklists.").values_list("pk", flat=True)
    )
    assert rows
    for user in (auditor, other_auditor):
        client = as_user(user)
        assert rows <= listed(client)
        assert client.get(reverse("audit:change", args=[min(rows)])).status_code == 200
        assert "消防检查表" in csv_text(client, model="checklists.checklisttemplate")


def test_a_facility_moved_to_another_county_is_read_in_both(
    world, lead, auditor, other_auditor, as_user
):
    services.facility_save(facility=world["facility"], values={"region": world["other_county"]})
    move = ChangeLog.objects.filter(model="registry.facility", action="~").first()
    assert set(move.regions.all()) == {world["county"], world["other_county"]}
    for user in (auditor, other_auditor):
        assert move.pk in listed(as_user(user), model="registry.facility")


def test_the_change_page_links_only_the_neighbours_the_auditor_may_read(
    world, lead, other_auditor, as_user
):
    facility = world["facility"]
    services.facility_save(facility=facility, values={"region": world["other_county"]}, by=lead)
    facility = services.facility_save(facility=facility, values={"beds": 121}, by=lead)
    rows = ChangeLog.objects.filter(model="registry.facility", object_id=str(facility.pk))
    move, beds = rows.filter(action="~").order_by("at", "pk")
    response = as_user(other_auditor).get(reverse("audit:change", args=[beds.pk]))
    assert response.context["older"] == move.pk
    # The creation (in 岳阳楼区) is not counted, nor linked from the move.
    assert response.context["object_count"] == 2
    response = as_user(other_auditor).get(reverse("audit:change", args=[move.pk]))
    assert response.context["older"] is None


# ---------------------------------------------------------------- unannounced inspections


def test_an_unannounced_inspection_is_hidden_from_auditors_until_it_starts(
    case, inspector, auditor, as_user
):
    about = set(ChangeLog.objects.filter(inspection=case).values_list("pk", flat=True))
    kinds = set(ChangeLog.objects.filter(pk__in=about).values_list("model", flat=True))
    assert {"inspections.inspection", "inspections.teammember", "core.notification"} <= kinds
    client = as_user(auditor)
    assert not listed(client) & about
    for pk in about:
        assert client.get(reverse("audit:change", args=[pk])).status_code == 404
    assert COMPLAINT not in csv_text(client)
    assert client.get(reverse("inspections:inspection_detail", args=[case.pk])).status_code == 404

    onsite_services.inspection_start(inspection=case, by=inspector)
    assert about <= listed(client)
    assert client.get(reverse("audit:change", args=[min(about)])).status_code == 200
    assert COMPLAINT in csv_text(client)
    assert client.get(reverse("inspections:inspection_detail", args=[case.pk])).status_code == 200


def test_an_unannounced_draw_is_hidden_from_auditors_until_it_is_revealed(
    world, lead, published_template, county_facilities, pool, auditor, as_user
):
    """The draw names the facilities to be visited: its page and its recorded changes
    stay hidden from auditors, like the inspections, until no visit can still come."""
    from tests.inspections.conftest import make_plan

    plan = planning_services.plan_approve(
        plan=make_plan(world, lead, published_template, notice="unannounced"), by=lead
    )
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    client = as_user(auditor)
    page = reverse("inspections:draw_detail", args=[draw.pk])
    assert client.get(page).status_code == 200, "a frozen draw names no facility"
    draw = planning_services.draw_run(draw=draw, public_entropy="9", source="test", by=lead)
    about = set(
        ChangeLog.objects.filter(model="inspections.draw", object_id=str(draw.pk)).values_list(
            "pk", flat=True
        )
    )
    assert about
    assert client.get(page).status_code == 404
    assert not listed(client) & about
    assert as_user(lead).get(page).status_code == 200

    # Every visit under way: no facility can be surprised any more.
    for inspection in draw.inspections.all():
        inspection.started_at = timezone.now()
        inspection.status = inspection.Status.IN_PROGRESS
        inspection.save()
    assert client.get(page).status_code == 200
    assert about <= listed(client)


def test_administrators_read_an_undisclosed_inspections_changes(case, admin_user, as_user):
    about = set(ChangeLog.objects.filter(inspection=case).values_list("pk", flat=True))
    assert about <= listed(as_user(admin_user))


# ---------------------------------------------------------------- back-fill


def test_the_migration_fills_the_regions_of_changes_recorded_before(
    world, county_busy, case, other_auditor, as_user
):
    moved = add_facility(world["county"], 50, "搬迁养老院")
    services.facility_save(facility=moved, values={"region": world["other_county"]})

    def recorded():
        return {
            row.pk: (set(row.regions.values_list("pk", flat=True)), row.inspection_id)
            for row in ChangeLog.objects.all()
        }

    before = recorded()
    ChangeRegion.objects.all().delete()
    for row in ChangeLog.objects.exclude(inspection=None):
        row.inspection = None
        row.save()

    backfill(live_apps, None)

    after = recorded()
    rows = ChangeLog.objects.filter(model="registry.facility", object_id=str(moved.pk))
    # The historical record tells where the facility was when it was created.
    assert after[rows.get(action="+").pk][0] == {world["county"].pk}
    assert after[rows.get(action="~").pk][0] == {world["county"].pk, world["other_county"].pk}
    assert {v[1] for v in after.values()} == {None, case.pk}
    # A user's regions before they were recorded are read as they are now; every
    # other change gets back what the recorder gave it.
    users = set(ChangeLog.objects.filter(model="registry.user").values_list("pk", flat=True))
    assert {pk: v for pk, v in after.items() if pk not in users} == {
        pk: v for pk, v in before.items() if pk not in users
    }
    other = as_user(other_auditor)
    assert COMPLAINT not in csv_text(other)
    assert not listed(other) & (of_region(world["county"]) - of_region(world["other_county"]))


# ---------------------------------------------------------------- times


def test_times_are_shown_in_local_time_for_people(world, inspector, case, auditor, as_user):
    onsite_services.inspection_start(inspection=case, by=inspector)
    start = ChangeLog.objects.get(
        model="inspections.inspection", action="~", changes__has_key="started_at"
    )
    stored = start.changes["started_at"][1]
    assert stored.endswith("+00:00")
    local = datetime.fromisoformat(stored).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    client = as_user(auditor)
    html = client.get(reverse("audit:change", args=[start.pk])).content.decode()
    assert f"<ins>{local}</ins>" in html
    assert "+00:00" not in html
    text = csv_text(client, model="inspections.inspection")
    assert f"Started at: — → {local}" in text
    assert "+00:00" not in text
    assert start.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") in text
    listing = client.get(HISTORY).content.decode()
    assert start.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") in listing
