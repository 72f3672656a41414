"""Incidents (突发事件): reported by the facility's manager, numbered in the county's
series, due within the hours of their kind and flagged when reported late; the county's
leads told at once; follow-ups (续报) until the final one closes the incident."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.models import Notification
from inspections.duties import incidents
from inspections.duties.models import Incident, IncidentReport
from registry.models import User


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def report(facility, by, *, kind="fall", hours_ago=1, **values):
    return incidents.incident_report(
        facility=facility,
        kind=kind,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
        summary=values.pop("summary", "老人在走廊跌倒，髋部骨折，已送医"),
        by=by,
        **values,
    )


def texts(user):
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("text", flat=True)
    )


@pytest.fixture
def far_manager(world):
    user = User.objects.create_user(username="far_manager", role=User.Role.MANAGER, password="x")
    world["far_facility"].managers.add(user)
    return user


def test_incidents_are_numbered_per_county_and_year(world, manager, far_manager):
    first = report(world["facility"], manager)
    second = report(world["facility"], manager, kind="fire")
    far = report(world["far_facility"], far_manager)
    assert [first.number, second.number, far.number] == [
        "430602-2026-SJ0001",
        "430602-2026-SJ0002",
        "430603-2026-SJ0001",
    ]


@pytest.mark.parametrize(
    ("kind", "hours"),
    [("fire", 1), ("food_poisoning", 2), ("fall", 24), ("missing", 2), ("other", 24)],
)
def test_the_report_is_due_within_the_hours_of_its_kind(world, manager, kind, hours):
    incident = report(world["facility"], manager, kind=kind, hours_ago=0.5)
    assert incident.report_due_at == incident.occurred_at + timedelta(hours=hours)


def test_the_hours_are_a_setting(world, manager, settings):
    settings.INCIDENT_REPORT_HOURS = {**settings.INCIDENT_REPORT_HOURS, "fall": 12}
    incident = report(world["facility"], manager, kind="fall")
    assert incident.report_due_at == incident.occurred_at + timedelta(hours=12)


def test_a_report_after_the_due_time_is_flagged_late_for_the_bureau(world, manager, lead, as_user):
    late = report(world["facility"], manager, kind="fire", hours_ago=3)
    in_time = report(world["facility"], manager, kind="fall", hours_ago=3)
    assert late.reported_late and not in_time.reported_late
    assert incidents.lateness_text(late) == "2 h 0 min"
    client = as_user(lead)
    html = client.get(reverse("inspections:incident_list")).content.decode()
    assert '<span class="chip overdue">Reported late by 2 h 0 min</span>' in html
    only_late = client.get(reverse("inspections:incident_list") + "?late=1")
    assert [i.number for i in only_late.context["page"]] == [late.number]
    detail = client.get(late.get_absolute_url()).content.decode()
    assert "Reported late by 2 h 0 min" in detail
    assert "It was reported after the required time." in texts(lead)[0]


def test_the_county_leads_are_told_at_once(world, manager, lead, other_lead):
    incident = report(world["facility"], manager, deaths=0, injured=1)
    assert texts(lead) == [
        f"Incident {incident.number} at 岳阳楼区康乐养老院: Fall with serious injury; "
        "0 dead, 1 injured. Read the report now."
    ]
    assert texts(other_lead) == []


def test_it_refuses_a_time_in_the_future_and_an_empty_account(world, manager):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        report(world["facility"], manager, hours_ago=-1)
    with pytest.raises(ValidationError, match="Say what happened"):
        report(world["facility"], manager, summary="  ")
    with pytest.raises(ValidationError, match="Deaths must be between 0 and 1000"):
        report(world["facility"], manager, deaths=5000)
    assert not Incident.objects.exists()


def test_only_the_facilitys_manager_reports(world, manager, other_manager, lead):
    with pytest.raises(ValidationError, match="Only a manager of the facility reports"):
        report(world["facility"], lead)
    with pytest.raises(ValidationError, match="Only a manager of the facility reports"):
        report(world["facility"], other_manager)


def _form(world, **values):
    return {
        "facility": world["facility"].pk,
        "kind": "missing",
        "occurred_at": timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "place": "后门",
        "summary": "一名失智老人外出未归",
        "deaths": "0",
        "injured": "0",
        "measures": "已报警，组织人员寻找",
        **values,
    }


def test_the_report_is_sent_only_after_confirmation(world, manager, lead, as_user):
    client = as_user(manager)
    url = reverse("inspections:incident_report")
    page = client.post(url, _form(world))
    assert page.status_code == 200
    assert "cannot be withdrawn" in page.content.decode()
    assert not Incident.objects.exists()
    sent = client.post(url, {**_form(world), "confirmed": "1"})
    incident = Incident.objects.get()
    assert sent.status_code == 302 and sent["Location"] == incident.get_absolute_url()
    assert (incident.kind, incident.place, incident.reported_by) == ("missing", "后门", manager)
    assert len(texts(lead)) == 1


def test_the_form_refuses_a_future_time_and_another_facility(world, manager, as_user):
    client = as_user(manager)
    url = reverse("inspections:incident_report")
    future = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    html = client.post(url, _form(world, occurred_at=future)).content.decode()
    assert "When it happened cannot be in the future." in html
    html = client.post(url, _form(world, facility=world["other_facility"].pk)).content.decode()
    assert "Choose one of your facilities." in html
    html = client.post(url, _form(world, summary="", deaths="")).content.decode()
    assert "Say what happened." in html and "Enter the number of deaths (0 if none)." in html
    assert not Incident.objects.exists()


def test_follow_ups_go_to_the_other_side_and_the_final_one_closes(world, manager, lead):
    incident = report(world["facility"], manager)
    Notification.objects.all().delete()
    incidents.incident_follow_up(incident=incident, text="伤者手术顺利", by=manager)
    assert len(texts(lead)) == 1 and texts(manager) == []
    incidents.incident_follow_up(incident=incident, text="请报送调查报告", by=lead)
    assert len(texts(manager)) == 1
    incidents.incident_follow_up(incident=incident, text="已完成整改，终报", final=True, by=manager)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.closed_by == manager and incident.closed_at is not None
    assert IncidentReport.objects.filter(incident=incident).count() == 3
    with pytest.raises(ValidationError, match="This incident is closed"):
        incidents.incident_follow_up(incident=incident, text="补充", by=lead)


def test_inspectors_and_other_counties_add_no_follow_up(world, manager, inspector, other_lead):
    incident = report(world["facility"], manager)
    with pytest.raises(ValidationError, match="Only the facility's managers or a bureau lead"):
        incidents.incident_follow_up(incident=incident, text="x", by=inspector)
    with pytest.raises(ValidationError, match="Only the facility's managers or a bureau lead"):
        incidents.incident_follow_up(incident=incident, text="x", by=other_lead)


def test_the_final_report_asks_for_confirmation_on_the_page(world, manager, as_user):
    incident = report(world["facility"], manager)
    client = as_user(manager)
    url = reverse("inspections:incident_follow_up", args=[incident.pk])
    page = client.post(url, {"text": "终报", "final": "on"})
    assert "closes the incident" in page.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED and not incident.reports.exists()
    client.post(url, {"text": "终报", "final": "True", "confirmed": "1"})
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert "Final report" in detail and "Add the follow-up" not in detail


def test_incidents_are_seen_within_scope_only(
    world, manager, other_manager, lead, other_lead, as_user, django_assert_max_num_queries
):
    incident = report(world["facility"], manager)
    for user in (other_manager, other_lead):
        assert as_user(user).get(incident.get_absolute_url()).status_code == 404
        listed = as_user(user).get(reverse("inspections:incident_list"))
        assert incident.number not in listed.content.decode()
    client = as_user(lead)
    for _n in range(3):
        report(world["facility"], manager)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("inspections:incident_list")).content.decode()
    assert incident.number in html
    region = client.get(reverse("inspections:incident_list") + "?region=430603")
    assert region.context["form"].errors  # not one of the lead's regions
