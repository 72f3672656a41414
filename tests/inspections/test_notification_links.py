"""A notification opens the page where its reader acts on it, and a channel that
fails leaves the action done."""

import logging
from datetime import date, timedelta

import pytest
from django.urls import reverse

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Extension
from inspections.onsite import services as onsite_services
from inspections.planning import services as planning_services


@pytest.fixture
def rectifying(finished, manager, general):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    return general


def ask_extension(hazard, manager):
    return hazard_services.extension_request(
        hazard=hazard,
        requested_due=hazard.due_on + timedelta(days=10),
        reasons="防火门需厂家定制",
        interim_measures="专人值守楼梯间",
        by=manager,
    )


def test_the_notice_message_opens_the_notice_where_the_manager_acknowledges_it(
    finished, manager, client
):
    notice = finished.notice
    message = manager.notifications.get(text__contains=notice.number)
    assert message.url == reverse("inspections:notice_detail", args=[notice.pk])
    client.force_login(manager)
    page = client.get(message.url)
    assert page.status_code == 200 and page.context["can_acknowledge"]


def test_the_extension_decision_opens_the_hazard_to_rectify(rectifying, manager, lead, client):
    hazard_services.extension_decide(
        extension=ask_extension(rectifying, manager), approve=True, by=lead
    )
    message = manager.notifications.get(text__contains="延期申请已批准")
    assert message.url == rectifying.get_absolute_url()
    client.force_login(manager)
    page = client.get(message.url)
    assert page.status_code == 200 and page.context["can_rectify"]


def test_the_cancelled_visit_message_opens_the_inspection(drawn, lead, manager, client):
    inspection = drawn.inspections.first()
    inspection.facility.managers.add(manager)
    member = inspection.team.filter(active=True).first().inspector.user
    onsite_services.inspection_schedule(
        inspection=inspection, planned_date=date(2026, 12, 14), by=member
    )
    planning_services.draw_void(draw=drawn, reason="公共随机数期号录入错误", by=lead)
    message = manager.notifications.get(text__contains="检查已取消")
    assert message.url == inspection.get_absolute_url()
    client.force_login(manager)
    assert client.get(message.url).status_code == 200


class BrokenChannel:
    def send(self, message):
        raise ConnectionError("SMS gateway unreachable")


def test_a_failing_channel_leaves_the_decision_made(
    rectifying, manager, lead, client, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = [
        "tests.inspections.test_notification_links.BrokenChannel",
        "core.channels.LogChannel",
    ]
    extension = ask_extension(rectifying, manager)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("inspections:extension_decide", args=[rectifying.pk]),
            {"decision": "approve"},
        )
    assert response.status_code == 302
    assert callbacks, "the channels ran after the decision committed"
    extension.refresh_from_db()
    assert extension.status == Extension.Status.APPROVED
    assert manager.notifications.filter(text__contains="延期申请已批准").exists()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        "notification channel tests.inspections.test_notification_links.BrokenChannel "
        f"failed for user {manager.pk}"
    ]
    assert f"notification to user {manager.pk}:" in caplog.text
