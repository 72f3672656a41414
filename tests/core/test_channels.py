"""Notification channels (core/channels.py): run after the action commits, each one
on its own, the default ones from the environment, the log without secrets."""

import logging
import runpy
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction

from core.channels import LogChannel, NotificationMessage, notify_channels
from core.models import Notification
from core.notifications import notify

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"


class BrokenChannel:
    """A gateway that is down."""

    def send(self, message):
        raise ConnectionError("SMS gateway unreachable")


@pytest.fixture
def reader(manager):
    manager.email = "zhang@example.org"
    manager.phone = "13812345678"
    manager.save()
    return manager


def test_the_channels_and_the_site_address_come_from_the_environment(monkeypatch):
    monkeypatch.delenv("NOTIFY_CHANNELS", raising=False)
    monkeypatch.delenv("SITE_URL", raising=False)
    default = runpy.run_path(str(SETTINGS_FILE))
    assert default["NOTIFY_CHANNELS"] == ["core.channels.EmailChannel", "core.channels.LogChannel"]
    assert default["SITE_URL"] == "http://127.0.0.1:8000"

    monkeypatch.setenv("NOTIFY_CHANNELS", " core.channels.LogChannel , sms.Gateway,")
    monkeypatch.setenv("SITE_URL", "https://safety.example.org/")
    configured = runpy.run_path(str(SETTINGS_FILE))
    assert configured["NOTIFY_CHANNELS"] == ["core.channels.LogChannel", "sms.Gateway"]
    assert configured["SITE_URL"] == "https://safety.example.org"


def test_the_log_channel_masks_the_phone_and_leaves_out_the_links_query(caplog):
    caplog.set_level(logging.INFO, logger="core.channels")
    LogChannel().send(
        NotificationMessage(
            user_id=7,
            text="隐患 YH-1 今天到期。",
            link="https://safety.example.org/hazards/5/?token=s3cr3t#top",
            email="zhang@example.org",
            phone="138 1234 5678",
        )
    )
    (record,) = caplog.records
    logged = record.getMessage()
    assert logged == (
        "notification to user 7 (phone 138****5678): 隐患 YH-1 今天到期。 "
        "https://safety.example.org/hazards/5/"
    )
    assert "s3cr3t" not in logged and "zhang@example.org" not in logged


def test_a_message_shows_no_contact_details_when_printed():
    message = NotificationMessage(
        user_id=7, text="t", link="", email="zhang@example.org", phone="13812345678"
    )
    assert "13812345678" not in repr(message) and "zhang@" not in repr(message)


def test_the_email_has_the_whole_text_and_the_absolute_link(
    reader, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://safety.example.org"
    text = "整改通知书 430602-ZG-2026-0001：" + "理由" * 300
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=reader, text=text, url="/notices/3/")
    (message,) = mail.outbox
    assert message.to == ["zhang@example.org"]
    assert message.body == f"{text}\n\nhttps://safety.example.org/notices/3/"
    # The inbox keeps the site's own path; its page shows the first 500 characters.
    stored = Notification.objects.get(user=reader)
    assert stored.url == "/notices/3/" and len(stored.text) == 500


def test_a_user_without_an_address_gets_no_email_but_the_log_line(
    manager, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="core.channels")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=manager, text="检查日期已确定", url="/inspections/1/")
    assert mail.outbox == []
    assert f"notification to user {manager.pk}: 检查日期已确定" in caplog.text


def test_nothing_is_sent_when_the_action_rolls_back(
    reader, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="core.channels")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="failed after notifying"), transaction.atomic():
            notify(user=reader, text="不会发出", url="/hazards/1/")
            raise RuntimeError("the action failed after notifying")
    assert callbacks == []
    assert mail.outbox == [] and "不会发出" not in caplog.text
    assert not Notification.objects.filter(user=reader).exists()


def test_a_failing_channel_is_logged_and_the_others_still_run(
    reader, settings, caplog, django_capture_on_commit_callbacks
):
    settings.NOTIFY_CHANNELS = [
        "tests.core.test_channels.BrokenChannel",
        "core.channels.EmailChannel",
        "core.channels.LogChannel",
    ]
    caplog.set_level(logging.INFO, logger="core.channels")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notification = notify(user=reader, text="请签收整改通知书", url="/notices/3/")
    assert Notification.objects.filter(pk=notification.pk).exists()
    assert len(mail.outbox) == 1
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert failure.getMessage() == (
        f"notification channel tests.core.test_channels.BrokenChannel failed for user {reader.pk}"
    )
    assert "SMS gateway unreachable" in caplog.text  # the traceback is kept
    assert f"notification to user {reader.pk} (phone 138****5678)" in caplog.text


def test_the_check_names_a_channel_that_cannot_be_used(settings):
    settings.NOTIFY_CHANNELS = [
        "core.channels.LogChannel",
        "core.channels.SmsChannel",
        "core.models.Notification",
    ]
    errors = notify_channels(None)
    assert [error.id for error in errors] == ["core.E001", "core.E002"]
    assert "'core.channels.SmsChannel', which cannot be imported" in errors[0].msg
    assert "'core.models.Notification', which has no send(message) method" in errors[1].msg
