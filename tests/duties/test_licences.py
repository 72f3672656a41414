"""Licences and certificates in the registry: recorded and renewed by a lead of the
facility's region, read by its managers, deactivated and never deleted; reminders
before they expire, once per threshold and expiry date."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from core.models import Notification
from inspections.duties.licences import licence_alarms_dispatch
from inspections.duties.models import LicenceAlarm
from registry import licences
from registry.models import Licence, User

TODAY = date(2026, 12, 1)  # the suite's local date (tests/conftest.py)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def add(facility, by, **values):
    return licences.licence_add(
        facility=facility,
        values={
            "kind": "food",
            "number": "JY14306020000001",
            "issued_on": date(2022, 1, 5),
            "expires_on": TODAY + timedelta(days=60),
            **values,
        },
        by=by,
    )


def texts(user):
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("text", flat=True)
    )


# ---------------------------------------------------------------- recording


def test_it_refuses_an_expiry_before_the_issue_date(world, lead):
    with pytest.raises(ValidationError, match="cannot expire before it is issued"):
        add(world["facility"], lead, issued_on=date(2025, 5, 1), expires_on=date(2025, 4, 30))


def test_it_refuses_a_licence_without_a_number(world, lead):
    with pytest.raises(ValidationError, match="Enter the licence or certificate number"):
        add(world["facility"], lead, number="   ")


def test_the_form_names_each_bad_input(world, lead, as_user):
    url = reverse("registry:licence_add", args=[world["facility"].pk])
    page = as_user(lead).post(
        url, {"kind": "food", "number": "", "issued_on": "2025-05-01", "expires_on": "2025-04-01"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Enter the licence or certificate number." in html
    assert "A licence cannot expire before it is issued." in html
    page = as_user(lead).post(url, {"kind": "food", "number": "X1", "expires_on": "soon"})
    assert "Enter the date as YYYY-MM-DD." in page.content.decode()
    assert not Licence.objects.exists()


def test_a_lead_records_and_renews_a_licence_with_its_history(world, lead, as_user):
    client = as_user(lead)
    page = client.post(
        reverse("registry:licence_add", args=[world["facility"].pk]),
        {
            "kind": "lift",
            "number": "DT-2025-001",
            "issued_on": "2025-12-10",
            "expires_on": "2026-12-09",
        },
    )
    assert page.status_code == 302
    licence = Licence.objects.get()
    client.post(
        reverse("registry:licence_edit", args=[licence.pk]),
        {
            "kind": "lift",
            "number": "DT-2026-001",
            "issued_on": "2026-11-30",
            "expires_on": "2027-11-29",
        },
    )
    licence.refresh_from_db()
    assert (licence.number, licence.expires_on) == ("DT-2026-001", date(2027, 11, 29))
    history = list(licence.history.order_by("history_date"))
    assert [h.number for h in history] == ["DT-2025-001", "DT-2026-001"]
    assert {h.history_user for h in history} == {lead}


def test_deactivating_keeps_the_licence_and_its_history(world, lead, as_user):
    licence = add(world["facility"], lead)
    client = as_user(lead)
    confirm = client.get(reverse("registry:licence_deactivate", args=[licence.pk]))
    assert "This cannot be undone" in confirm.content.decode()
    client.post(reverse("registry:licence_deactivate", args=[licence.pk]), {"reason": "食堂停办"})
    licence.refresh_from_db()
    assert licence.active is False
    assert licence.history.latest().history_change_reason == "食堂停办"
    page = client.get(world["facility"].get_absolute_url()).content.decode()
    assert "1 licence no longer held" in page
    with pytest.raises(ValidationError, match="already marked as no longer held"):
        licences.licence_deactivate(licence=licence, by=lead)
    with pytest.raises(ValidationError, match="no longer held: record a new one"):
        licences.licence_update(licence=licence, values={"kind": "food", "number": "N"}, by=lead)


def test_managers_read_their_licences_and_only_leads_of_the_region_edit(
    world, lead, other_lead, manager, other_manager, as_user
):
    licence = add(world["facility"], lead)
    page = as_user(manager).get(world["facility"].get_absolute_url()).content.decode()
    assert "JY14306020000001" in page
    assert reverse("registry:licence_edit", args=[licence.pk]) not in page
    assert (
        as_user(manager).get(reverse("registry:licence_edit", args=[licence.pk])).status_code == 403
    )
    assert (
        as_user(other_manager).get(reverse("registry:licence_edit", args=[licence.pk])).status_code
        == 404
    )
    assert (
        as_user(other_lead)
        .post(reverse("registry:licence_deactivate", args=[licence.pk]))
        .status_code
        == 404
    )
    with pytest.raises(ValidationError, match="Only a bureau lead of the facility's region"):
        licences.licence_update(licence=licence, values={"kind": "food", "number": "X"}, by=manager)
    licence.refresh_from_db()
    assert licence.active


def test_the_facility_page_marks_expired_and_soon_expiring_licences(world, lead, as_user):
    add(world["facility"], lead, number="OLD-1", expires_on=TODAY - timedelta(days=1))
    add(
        world["facility"],
        lead,
        number="SOON-1",
        kind="insurance",
        expires_on=TODAY + timedelta(days=30),
    )
    add(
        world["facility"],
        lead,
        number="LATER-1",
        kind="clinic",
        expires_on=TODAY + timedelta(days=31),
    )
    html = as_user(lead).get(world["facility"].get_absolute_url()).content.decode()
    assert '<span class="chip overdue">Expired 2026-11-30</span>' in html
    assert '<span class="chip soon">Expires 2026-12-31 (within 30 days)</span>' in html
    assert "2027-01-01" in html and 'chip soon">Expires 2027-01-01' not in html


def test_the_expiring_list_shows_the_leads_region_only(
    world, lead, other_lead, as_user, django_assert_max_num_queries
):
    far_manager_lead = User.objects.get(username="other_lead")
    add(world["facility"], lead, number="NEAR-1", expires_on=TODAY + timedelta(days=3))
    add(world["facility"], lead, number="FAR-OFF-1", expires_on=TODAY + timedelta(days=300))
    add(world["far_facility"], far_manager_lead, number="OTHER-1", expires_on=TODAY)
    client = as_user(lead)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("registry:licence_list")).content.decode()
    assert "NEAR-1" in html
    assert "FAR-OFF-1" not in html  # not expiring within 30 days
    assert "OTHER-1" not in html  # another county's
    html = client.get(reverse("registry:licence_list") + "?show=all").content.decode()
    assert "FAR-OFF-1" in html


# ---------------------------------------------------------------- reminders


def test_each_threshold_reminds_the_managers_once(world, lead, manager):
    licence = add(world["facility"], lead)  # expires in 60 days
    assert licence_alarms_dispatch(today=TODAY) == 1
    assert licence_alarms_dispatch(today=TODAY) == 0
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=1)) == 0
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=30)) == 1
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=30)) == 0
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=53)) == 1
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=60)) == 1
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=61)) == 0
    assert sorted(licence.alarms.values_list("days_before", flat=True)) == [0, 7, 30, 60]
    sent = texts(manager)
    assert len(sent) == 4
    assert "expires on 2027-01-30, in 60 days or less" in sent[0]
    assert "expired on 2027-01-30" in sent[-1]


def test_on_expiry_the_county_leads_are_told_too(world, lead, other_lead, manager):
    add(world["facility"], lead, expires_on=TODAY + timedelta(days=7))
    licence_alarms_dispatch(today=TODAY)
    assert texts(lead) == []
    licence_alarms_dispatch(today=TODAY + timedelta(days=7))
    assert len(texts(lead)) == 1 and "expired on 2026-12-08" in texts(lead)[0]
    assert texts(other_lead) == []
    assert len(texts(manager)) == 2


def test_a_dispatcher_back_after_a_pause_sends_only_the_nearest_threshold(world, lead, manager):
    licence = add(world["facility"], lead, expires_on=TODAY + timedelta(days=5))
    assert licence_alarms_dispatch(today=TODAY) == 1
    assert list(licence.alarms.values_list("days_before", flat=True)) == [7]


def test_a_renewal_starts_the_reminders_again(world, lead, manager):
    licence = add(world["facility"], lead, expires_on=TODAY + timedelta(days=7))
    assert licence_alarms_dispatch(today=TODAY) == 1
    licences.licence_update(
        licence=licence,
        values={
            "kind": "food",
            "number": "JY2",
            "issued_on": TODAY,
            "expires_on": TODAY + timedelta(days=20),
        },
        by=lead,
    )
    assert licence_alarms_dispatch(today=TODAY) == 1
    assert licence_alarms_dispatch(today=TODAY) == 0
    assert set(licence.alarms.values_list("days_before", "expires_on")) == {
        (7, TODAY + timedelta(days=7)),
        (30, TODAY + timedelta(days=20)),
    }


def test_inactive_licences_and_undated_ones_are_silent(world, lead, manager):
    licence = add(world["facility"], lead, expires_on=TODAY)
    licences.licence_deactivate(licence=licence, by=lead)
    add(world["facility"], lead, number="NO-END", expires_on=None)
    assert licence_alarms_dispatch(today=TODAY + timedelta(days=1)) == 0
    assert texts(manager) == []


def test_the_reminder_day_is_the_local_date(world, lead, manager):
    # 23:30 UTC on 1 December is 07:30 on 2 December in Shanghai: 7 days before the
    # expiry on the 9th locally, 8 by the UTC date.
    licence = add(world["facility"], lead, expires_on=date(2026, 12, 9))
    with time_machine.travel(datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert timezone.localdate() == date(2026, 12, 2)
        assert licence_alarms_dispatch() == 1
    assert list(licence.alarms.values_list("days_before", flat=True)) == [7]


def test_the_check_costs_a_fixed_number_of_queries(world, lead, manager, django_assert_num_queries):
    for n in range(6):
        add(world["facility"], lead, number=f"N{n}", expires_on=TODAY + timedelta(days=n))
    assert licence_alarms_dispatch(today=TODAY) == 6
    with django_assert_num_queries(2):
        assert licence_alarms_dispatch(today=TODAY) == 0


def test_workflow_timers_sends_the_reminders(world, lead, manager, capsys):
    add(world["facility"], lead, expires_on=timezone.localdate() + timedelta(days=30))
    call_command("workflow_timers")
    assert "1 licence expiry reminder(s) sent" in capsys.readouterr().out
    assert LicenceAlarm.objects.filter(days_before=30).count() == 1
