import pytest
from django.test import Client

from tests.conftest import PASSWORD


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def test_right_password_logs_in(inspector):
    response = attempt(Client(), "inspector", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"


def test_a_username_is_locked_on_one_address_after_repeated_failures(inspector):
    client = Client()
    for _ in range(2):
        assert attempt(client, "inspector", "wrong").status_code == 200
    # The third failure reaches the limit and is answered with the lock-out page.
    assert attempt(client, "inspector", "wrong").status_code == 429
    locked = attempt(client, "inspector", PASSWORD)
    assert locked.status_code == 429
    assert "该账号在当前网络下已被锁定" in locked.content.decode()


def test_the_same_username_from_another_address_is_not_locked(inspector):
    for _ in range(3):
        attempt(Client(), "inspector", "wrong", ip="10.0.0.1")
    assert attempt(Client(), "inspector", PASSWORD, ip="10.0.0.2").status_code == 302


def test_colleagues_behind_the_same_carrier_nat_are_not_locked(inspector, inspector2):
    for _ in range(5):
        attempt(Client(), "inspector", "wrong", ip="100.64.0.9")
    assert attempt(Client(), "inspector2", PASSWORD, ip="100.64.0.9").status_code == 302


def test_the_lock_lifts_after_the_cool_off(inspector, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(3):
        attempt(Client(), "inspector", "wrong")
    assert attempt(Client(), "inspector", PASSWORD).status_code == 429
    # Age the failures past the cool-off instead of sleeping.
    for record in AccessAttempt.objects.all():
        record.attempt_time = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
        record.save()
    assert attempt(Client(), "inspector", PASSWORD).status_code == 302
