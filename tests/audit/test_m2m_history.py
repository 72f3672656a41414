"""Many-to-many changes and role changes are history too: a user's regions, a
facility's managers, a plan's checklists, each with who changed them and when."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import ChangeLog
from inspections.planning import services as inspection_services
from registry import services
from registry.models import Department, User
from tests.audit.conftest import csv_rows
from tests.inspections.conftest import make_plan

HISTORY = reverse("audit:history")
CSV_URL = reverse("audit:history_csv")
COUNTY = "岳阳楼区 (430602)"
OTHER = "云溪区 (430603)"


def changes_of(obj):
    return ChangeLog.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))


def listed_row(client, row, **params):
    page = client.get(HISTORY, {"model": row.model, **params}).context["page"]
    return next(r for r in page if r.pk == row.pk)


def test_a_change_of_a_users_regions_is_recorded_with_who_made_it(
    world, inspector, admin_user, auditor, other_auditor, as_user
):
    services.user_ensure(
        username="inspector", values={}, regions=[world["other_county"]], by=admin_user
    )
    # set() removes, then adds: two changes, both by the administrator.
    added, removed = changes_of(inspector).filter(changes__has_key="regions")[:2]
    assert (added.user, removed.user) == (admin_user, admin_user)
    assert added.changes == {"regions": [[], [OTHER]]}
    assert removed.changes == {"regions": [[COUNTY], []]}
    county_client, other_client = as_user(auditor), as_user(other_auditor)
    assert listed_row(county_client, removed).summary == [f"Regions \u2212{COUNTY}"]
    # The auditors of the county the user joined read that they joined it.
    for client in (county_client, other_client):
        row = listed_row(client, added)
        assert row.user == admin_user
        assert row.summary == [f"Regions +{OTHER}"]
        _header, *rows = csv_rows(client.get(CSV_URL, {"model": "registry.user", "user": "admin"}))
        assert [r[7] for r in rows if r[3] == str(inspector.pk)][0] == f"Regions: +{OTHER}"


def test_the_change_page_shows_what_a_regions_change_added_and_removed(
    world, lead, admin_user, auditor, as_user
):
    services.user_ensure(
        username="lead", values={}, regions=[world["county"], world["other_county"]], by=admin_user
    )
    added = changes_of(lead).filter(changes__has_key="regions").first()
    assert added.changes["regions"] == [[COUNTY], [COUNTY, OTHER]]
    html = as_user(auditor).get(reverse("audit:change", args=[added.pk])).content.decode()
    assert f"<del>{COUNTY}</del>" in html
    assert f"<ins>{COUNTY}, {OTHER}</ins>" in html
    assert f"+{OTHER}" in html
    assert "管理员" in html  # who did it

    services.user_ensure(username="lead", values={}, regions=[world["other_county"]], by=lead)
    removed = changes_of(lead).filter(changes__has_key="regions").first()
    assert removed.user == lead
    html = as_user(auditor).get(reverse("audit:change", args=[removed.pk])).content.decode()
    assert f"\u2212{COUNTY}" in html


def test_a_role_change_is_recorded_with_who_made_it(world, inspector, admin_user, auditor, as_user):
    services.user_ensure(username="inspector", values={"role": User.Role.LEAD}, by=admin_user)
    row = changes_of(inspector).filter(changes__has_key="role").first()
    assert row.user == admin_user
    assert row.changes["role"] == ["inspector", "lead"]
    html = as_user(auditor).get(reverse("audit:change", args=[row.pk])).content.decode()
    assert "<del>Inspector</del>" in html
    assert "<ins>Bureau lead</ins>" in html


def test_regions_and_role_changed_in_the_admin_are_recorded_with_the_administrator(
    world, inspector, auditor, other_auditor, as_user
):
    root = User.objects.create_superuser(username="root", password="x", role=User.Role.ADMIN)
    client = as_user(root)
    url = reverse("admin:registry_user_change", args=[inspector.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update(
        {
            "date_joined_0": inspector.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": inspector.date_joined.strftime("%H:%M:%S"),
            "role": User.Role.LEAD,
            "regions": [world["other_county"].pk],
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = changes_of(inspector).filter(user=root)
    assert rows.filter(changes__has_key="role").exists()
    removed, added = rows.filter(changes__has_key="regions").order_by("pk")
    assert removed.changes["regions"] == [[COUNTY], []]
    assert added.changes["regions"] == [[], [OTHER]]

    def seen(user):
        page = as_user(user).get(HISTORY, {"model": "registry.user", "user": "root"})
        return {r.pk for r in page.context["page"]}

    assert {removed.pk, added.pk} <= seen(auditor)
    assert added.pk in seen(other_auditor)


def test_a_new_user_belongs_to_the_regions_it_is_given(
    world, admin_user, auditor, other_auditor, as_user
):
    user = services.user_ensure(
        username="newcomer",
        values={"role": User.Role.INSPECTOR, "full_name": "吴新", "phone": "13800000000"},
        regions=[world["county"]],
        by=admin_user,
    )
    created = changes_of(user).get(action="+")
    assert list(created.regions.all()) == [world["county"]]
    assert as_user(auditor).get(reverse("audit:change", args=[created.pk])).status_code == 200
    client = as_user(other_auditor)
    assert client.get(reverse("audit:change", args=[created.pk])).status_code == 404
    assert "13800000000" not in b"".join(client.get(CSV_URL).streaming_content).decode()


def test_a_facility_managers_change_is_recorded_and_places_the_manager(
    world, manager, lead, auditor, other_auditor, as_user
):
    # The persona is created with no region, then made a manager of the facility.
    created = changes_of(manager).get(action="+")
    assert list(created.regions.all()) == [world["county"]]
    assert as_user(other_auditor).get(reverse("audit:change", args=[created.pk])).status_code == 404
    services.set_members(world["other_facility"], "managers", [manager], by=lead)
    row = changes_of(world["other_facility"]).filter(changes__has_key="managers").first()
    assert row.user == lead
    assert row.changes["managers"] == [[], ["张玥"]]
    assert any("+张玥" in s for s in listed_row(as_user(auditor), row).summary)


@pytest.fixture
def draft_plan(world, lead, published_template):
    return make_plan(world, lead, published_template)


def test_a_change_of_a_plans_checklists_is_recorded_with_who_made_it(
    world, lead, draft_plan, published_template, onsite_template, auditor, other_auditor, as_user
):
    inspection_services.plan_save(
        plan=draft_plan,
        values={},
        m2m={
            "scope_regions": [world["county"]],
            "pool_departments": list(Department.objects.all()),
            "pool_regions": [world["county"]],
        },
        checklists={onsite_template: False},
        by=lead,
    )
    rows = ChangeLog.objects.filter(model="inspections.plantemplate", user=lead)
    assert set(rows.values_list("action", flat=True)) == {"+", "-"}
    assert all(str(draft_plan) in r.object_repr for r in rows)
    client = as_user(auditor)
    page = client.get(HISTORY, {"model": "inspections.plantemplate"}).context["page"]
    assert set(rows.values_list("pk", flat=True)) <= {r.pk for r in page}
    assert all(r.user == lead for r in page)
    _header, *csv = csv_rows(client.get(CSV_URL, {"model": "inspections.plantemplate"}))
    assert any(
        str(onsite_template) in r[4] and r[5] == "created" and r[1] == "陈堃 (lead)" for r in csv
    )
    assert not list(
        as_user(other_auditor).get(HISTORY, {"model": "inspections.plantemplate"}).context["page"]
    )


def test_a_permission_granted_to_a_user_is_recorded_with_who_granted_it(
    lead, admin_user, auditor, as_user
):
    permission = Permission.objects.get(codename="change_facility")
    lead._history_user = admin_user
    lead.user_permissions.add(permission)
    row = changes_of(lead).filter(changes__has_key="user_permissions").get()
    assert row.user == admin_user
    assert row.changes["user_permissions"] == [[], [str(permission)]]
    assert listed_row(as_user(auditor), row).summary == [f"User permissions +{permission}"]
