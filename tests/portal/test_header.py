"""The header of every page: the unread count as a badge linking to the messages, and
the navigation items in a bar (shown from 1024 px; the phone keeps its menu)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.audited import save_with_history
from core.models import Notification
from core.notifications import notifications_read

PAGES = ["/inspections/hazards/", "/registry/facilities/", "/notifications/"]


def badge(html):
    found = re.findall(
        r'<a class="unread-badge" href="([^"]+)" data-unread="(\d+)">(.*?)</a>', html
    )
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def two_unread(manager):
    for text in ("整改通知书已送达", "复查结论：已销号", "早已读过"):
        save_with_history(Notification(user_id=manager.pk, text=text), by=None)
    notification = Notification.objects.get(text="早已读过")
    notification.read_at = notification.created_at
    save_with_history(notification, by=None)


@pytest.mark.parametrize("url", PAGES)
def test_the_unread_count_is_a_badge_in_the_header_of_every_page(url, two_unread, manager, as_user):
    response = as_user(manager).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    header = html.split("</header>")[0]
    href, count, inside = badge(header)
    assert href == reverse("portal:notifications") and count == "2"
    assert '<span class="count">2</span>' in inside and "消息" in inside


def test_with_nothing_unread_the_badge_shows_no_count(two_unread, manager, as_user):
    notifications_read(user=manager)
    href, count, inside = badge(as_user(manager).get("/inspections/hazards/").content.decode())
    assert count == "0" and 'class="count"' not in inside


def test_the_count_costs_one_query(two_unread, manager, as_user):
    client = as_user(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get("/registry/facilities/")
    counting = [q["sql"] for q in queries if "core_notification" in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0].upper()


def test_the_navigation_bar_holds_every_menu_item(lead, as_user):
    response = as_user(lead).get("/registry/facilities/")
    html = response.content.decode()
    bar = html.split('<nav class="navbar"')[1].split("</nav>")[0]
    urls = [item["url"] for item in response.context["nav_items"]]
    assert urls and re.findall(r'href="([^"]+)"', bar) == urls
    assert 'href="/registry/facilities/" aria-current="page"' in bar
    # The phone's menu is still there, with the same items.
    menu = html.split('<details class="menu">')[1].split("</details>")[0]
    assert all(f'href="{url}"' in menu for url in urls)


def navbar(html):
    return html.split('<nav class="navbar"')[1].split("</nav>")[0]


def test_the_menu_follows_the_language_and_the_role(lead, manager, as_user, settings):
    # The menu's rendering is kept per process (portal/navigation.py): switching the
    # language or the user must still give that language's and that role's items.
    client = as_user(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = navbar(client.get("/registry/facilities/").content.decode())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = navbar(client.get("/registry/facilities/").content.decode())
    assert "Hazard register" in english and "Supervision overview" in english
    assert "Hazard register" not in chinese and "隐患" in chinese
    other = as_user(manager)
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    managers = navbar(other.get("/inspections/hazards/").content.decode())
    assert "My duties" in managers and "Supervision overview" not in managers


def test_the_messages_item_carries_the_unread_count(two_unread, manager, as_user, settings):
    client = as_user(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bar = navbar(client.get("/inspections/hazards/").content.decode())
    assert f'href="{reverse("portal:notifications")}">Messages (2)</a>' in bar
    notifications_read(user=manager)
    bar = navbar(client.get("/inspections/hazards/").content.decode())
    assert f'href="{reverse("portal:notifications")}">Messages</a>' in bar
