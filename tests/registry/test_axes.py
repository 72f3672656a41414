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


# ---------------------------------------------------------------- the client's address

NGINX = "127.0.0.1"


def from_client(client, username, password, *, forwarded, remote=NGINX):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def test_it_ignores_a_forged_forwarded_address_when_not_behind_a_proxy(inspector, settings):
    settings.BEHIND_PROXY = False
    # A new X-Forwarded-For with every try would escape the lock-out if it were trusted.
    for n in range(3):
        from_client(Client(), "inspector", "wrong", forwarded=f"198.51.100.{n}", remote="10.0.0.1")
    locked = from_client(
        Client(), "inspector", PASSWORD, forwarded="198.51.100.99", remote="10.0.0.1"
    )
    assert locked.status_code == 429
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_behind_the_proxy_one_clients_failures_do_not_lock_another_client(inspector, behind_proxy):
    for _ in range(5):
        from_client(Client(), "inspector", "wrong", forwarded="203.0.113.5")
    assert from_client(Client(), "inspector", PASSWORD, forwarded="203.0.113.5").status_code == 429
    # Same nginx address, another client: not locked.
    other = from_client(Client(), "inspector", PASSWORD, forwarded="198.51.100.7")
    assert other.status_code == 302


def test_behind_the_proxy_a_client_cannot_escape_its_lock_by_prepending_addresses(
    inspector, behind_proxy
):
    # nginx appends the real peer; what the client wrote sits to its left.
    for n in range(3):
        from_client(Client(), "inspector", "wrong", forwarded=f"10.9.9.{n}, 203.0.113.5")
    locked = from_client(Client(), "inspector", PASSWORD, forwarded="10.9.9.9, 203.0.113.5")
    assert locked.status_code == 429


def request_with(remote, forwarded=None):
    from django.test import RequestFactory

    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_two_proxies_the_client_is_the_second_address_from_the_right(behind_proxy):
    from core.clientip import client_ip

    behind_proxy.TRUSTED_PROXY_COUNT = 2
    # client -> load balancer (appends the client) -> nginx (appends the balancer) -> Django
    request = request_with("127.0.0.1", "6.6.6.6, 203.0.113.5, 10.0.0.2")
    assert client_ip(request) == "203.0.113.5"
    behind_proxy.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.2"


def test_a_forwarded_header_shorter_than_the_proxy_chain_or_garbled_is_not_trusted(
    behind_proxy,
):
    from core.clientip import client_ip

    behind_proxy.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_with("127.0.0.1", "203.0.113.5")) == "127.0.0.1"
    behind_proxy.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_with("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_ip(request_with("127.0.0.1")) == "127.0.0.1"
    assert client_ip(request_with("127.0.0.1", " 2001:db8::1 ")) == "2001:db8::1"


def test_not_behind_a_proxy_the_address_is_the_peer_whatever_the_header_says(settings):
    from core.clientip import client_ip

    settings.BEHIND_PROXY = False
    assert client_ip(request_with("10.0.0.1", "203.0.113.5")) == "10.0.0.1"
