"""Anonymous downloads of PDFs and open data are limited per client address: over the
limit, HTTP 429 with a page in Chinese saying when to try again. Logged-in users are
not counted."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.PUBLIC_DOWNLOAD_LIMIT = LIMIT
    settings.PUBLIC_DOWNLOAD_WINDOW_SECONDS = 60
    # Early in a window: no test straddles two windows.
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, 5, tzinfo=ZoneInfo("UTC")), tick=False):
        yield


def test_it_refuses_the_download_after_the_limit_with_a_chinese_page(db, client):
    url = reverse("reports:results_csv")
    for _ in range(LIMIT):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "下载过于频繁" in page
    assert f"每个网络地址每 60 秒最多可从公开网站下载 {LIMIT} 个文件。" in page
    assert refused["Retry-After"] == "55"
    assert "请在 55 秒后再试。" in page


def test_a_new_window_starts_a_new_count(db, client):
    url = reverse("reports:results_json")
    for _ in range(LIMIT + 1):
        client.get(url)
    with time_machine.travel(datetime(2026, 11, 30, 10, 1, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "name, args",
    [
        ("reports:results_json", []),
        ("reports:draw_list_json", []),
        ("reports:draw_json", [999_999]),
        ("reports:result_pdf", [999_999]),
        ("reports:plan_announcement_pdf", [999_999]),
        ("reports:plan_results_pdf", [999_999]),
    ],
)
def test_every_public_download_counts(db, client, name, args):
    url = reverse(name, args=args)
    for _ in range(LIMIT):
        assert client.get(url).status_code in (200, 404)
    assert client.get(url).status_code == 429


def test_the_limit_is_per_client_address(db, client):
    url = reverse("reports:results_json")
    for _ in range(LIMIT):
        client.get(url, REMOTE_ADDR="203.0.113.7")
    assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(url, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_behind_the_proxy_it_counts_the_forwarded_client(db, client, settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("reports:results_json")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(LIMIT):
        client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 200


def test_logged_in_staff_are_not_limited(lead, as_user):
    client = as_user(lead)
    url = reverse("reports:results_csv")
    for _ in range(LIMIT + 2):
        assert client.get(url).status_code == 200


def test_the_pages_themselves_are_not_limited(db, client):
    for _ in range(LIMIT + 2):
        assert client.get(reverse("reports:result_list")).status_code == 200
