"""The phone's app shell: the manifest, the service worker at the site root, the
outbox page, and the marks the inspections list puts on the day's inspections for the
offline copy. What the scripts do with them is tested in the browser
(tests/e2e/test_offline_phone.py)."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from inspections.onsite import services as onsite_services


def test_the_service_worker_is_served_from_the_root_for_every_page(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert b"eldercare-pages-v1" in response.content
    # Revalidated, not fetched again, while it is unchanged.
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_service_worker_refuses_a_write(client, db):
    assert client.post("/sw.js").status_code == 405


def test_the_manifest_installs_the_app_in_chinese_on_the_inspections_list(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "养老机构安全监管"
    assert manifest["start_url"] == "/inspections/inspections/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/")
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_every_page_links_the_manifest_and_only_a_logged_in_user_gets_the_outbox(
    client, inspector, as_user
):
    anonymous = client.get("/accounts/login/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in anonymous
    assert "outbox.js" not in anonymous and "outbox-badge" not in anonymous
    page = as_user(inspector).get("/").content.decode()
    assert "js/outbox.js" in page and "js/offline.js" in page
    badge = re.search(r'<a id="outbox-badge"[^>]*>', page).group(0)
    assert " hidden" in badge and 'href="/outbox/"' in badge
    assert f'data-user="{inspector.pk}"' in badge and 'data-sw="/sw.js"' in badge
    assert 'data-msg-pending="待上传"' in badge


def test_the_outbox_words_follow_each_users_language_and_name_their_own_user(
    inspector, inspector2, as_user
):
    """The words are rendered once per language and reused: a page in English after one
    in Chinese gets the English words, and each page its own user."""
    chinese = as_user(inspector).get("/").content.decode()
    english_client = as_user(inspector2)
    english_client.cookies["django_language"] = "en"
    english = english_client.get("/").content.decode()
    first, second = (
        re.search(r'<a id="outbox-badge"[^>]*>', p).group(0) for p in (chinese, english)
    )
    assert 'data-msg-pending="待上传"' in first and f'data-user="{inspector.pk}"' in first
    assert 'data-msg-pending="Waiting to upload"' in second
    assert f'data-user="{inspector2.pk}"' in second


def test_the_outbox_page_needs_a_log_in(client, db):
    response = client.get("/outbox/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_outbox_page_is_a_frame_the_script_fills(inspector, as_user):
    response = as_user(inspector).get("/outbox/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-outbox-list" in page and "待上传队列" in page


@pytest.fixture
def later(case):
    """Another inspection of the same team whose window opens next month."""
    inspection = onsite_services.case_open(
        facility=case.facility,
        complaint="投诉",
        inspectors=[m.inspector for m in case.team.all()],
        templates=[case.checklists.get().version.template],
        by=case.created_by,
    )
    inspection.window_start = timezone.localdate() + timedelta(days=40)
    inspection.window_end = timezone.localdate() + timedelta(days=50)
    inspection.save()
    return inspection


def test_the_list_marks_the_days_inspections_for_the_offline_copy_and_not_later_ones(
    case, later, inspector, as_user
):
    page = as_user(inspector).get("/inspections/inspections/").content.decode()
    marked = re.findall(r'data-offline-pages="([^"]*)"', page)
    assert marked == [
        f"/inspections/inspections/{case.pk}/ /inspections/inspections/{case.pk}/checklist/"
        f" /inspections/inspections/{case.pk}/start/"
    ]
    assert 'data-offline-status="list"' in page
    assert f"/inspections/inspections/{later.pk}/" in page  # listed, not kept offline


def test_a_started_inspection_keeps_its_finish_page_offline(case, inspector, as_user):
    onsite_services.inspection_start(inspection=case, by=inspector)
    page = as_user(inspector).get("/inspections/inspections/").content.decode()
    (marked,) = re.findall(r'data-offline-pages="([^"]*)"', page)
    assert marked.split() == [
        f"/inspections/inspections/{case.pk}/",
        f"/inspections/inspections/{case.pk}/checklist/",
        f"/inspections/inspections/{case.pk}/finish/",
    ]
    checklist = as_user(inspector).get(f"/inspections/inspections/{case.pk}/checklist/")
    assert 'data-offline-status="page"' in checklist.content.decode()


def test_a_scheduled_checklist_is_read_only_until_a_start_waits_on_the_phone(
    case, inspector, lead, as_user
):
    page = as_user(inspector).get(f"/inspections/inspections/{case.pk}/checklist/")
    page = page.content.decode()
    fieldsets = re.findall(r"<fieldset[^>]*>", page)
    assert fieldsets and all("disabled data-until-started" in tag for tag in fieldsets)
    photo_forms = re.findall(r"<form[^>]*data-photo-form[^>]*>", page)
    assert photo_forms and all("hidden data-until-started" in tag for tag in photo_forms)
    # Whoever may not work on it gets nothing to unlock.
    other = as_user(lead).get(f"/inspections/inspections/{case.pk}/checklist/")
    assert other.status_code == 200
    assert "data-until-started" not in other.content.decode()
