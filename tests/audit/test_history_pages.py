"""The history list's pages: "older" and "newer" links carry the last change seen
(a keyset), so a deep page costs what the first costs and no page counts the history."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import views
from audit.access import changes_for
from audit.models import ChangeLog
from registry import services

HISTORY = reverse("audit:history")
FAR_FUTURE = "9999-12-31T00:00:00.000000Z_999999999"
LONG_AGO = "0001-01-01T00:00:00.000000Z_0"


@pytest.fixture
def many_changes(world, lead):
    facility = world["facility"]
    for beds in range(121, 141):
        facility = services.facility_save(facility=facility, values={"beds": beds}, by=lead)
    # Changes recorded in the same microsecond: the id decides between them.
    same = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    for row in ChangeLog.objects.filter(model="registry.facility").order_by("id")[3:9]:
        row.at = same
        row.save()
    return facility


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 7)


def walk(client, params=None, start=None):
    """Every change the "older" links reach from the first page, in the order shown,
    and the cursors they followed."""
    seen, cursors = [], []
    query = dict(params or {})
    if start:
        query["before"] = start
    while True:
        response = client.get(HISTORY, query)
        assert response.status_code == 200
        page = response.context["page"]
        seen += [row.pk for row in page]
        if not page.has_next():
            return seen, cursors
        assert f"before={page.next_cursor}".replace(":", "%3A") in response.content.decode()
        cursors.append(page.next_cursor)
        query["before"] = page.next_cursor


def expected(user, **filters):
    return list(
        changes_for(user).filter(**filters).order_by("-at", "-id").values_list("pk", flat=True)
    )


def test_the_older_links_reach_every_change_once_in_order(
    many_changes, auditor, as_user, small_pages
):
    seen, cursors = walk(as_user(auditor))
    assert len(cursors) >= 3
    assert seen == expected(auditor)
    assert len(seen) == len(set(seen))


def test_the_newer_links_walk_back_to_the_first_page(many_changes, auditor, as_user, small_pages):
    client = as_user(auditor)
    pages = []
    query = {}
    while True:
        page = client.get(HISTORY, query).context["page"]
        pages.append([row.pk for row in page])
        if not page.has_next():
            break
        query = {"before": page.next_cursor}
    back = [pages[-1]]
    page = client.get(HISTORY, query).context["page"]
    while page.has_previous():
        page = client.get(HISTORY, {"after": page.previous_cursor}).context["page"]
        back.append([row.pk for row in page])
    assert back == pages[::-1]
    assert not page.has_previous() and page.has_next()


def test_the_links_keep_the_filters(many_changes, auditor, as_user, small_pages):
    params = {"model": "registry.facility", "action": "~"}
    seen, cursors = walk(as_user(auditor), params)
    assert cursors
    assert seen == expected(auditor, model="registry.facility", action="~")
    html = as_user(auditor).get(HISTORY, params).content.decode()
    [older] = re.findall(r'rel="next" href="\?([^"]+)"', html)
    assert older.startswith("model=registry.facility&amp;action=") and "&amp;before=" in older


def test_a_deep_page_costs_the_queries_of_the_first(
    many_changes, auditor, as_user, small_pages, django_assert_max_num_queries
):
    client = as_user(auditor)
    _seen, cursors = walk(client)
    # The log keeps the last 9,000 queries: the fixtures' would hide the page's.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as first:
        client.get(HISTORY)
    first_queries = [q["sql"] for q in first.captured_queries]
    assert first_queries
    assert not any("COUNT(" in sql.upper() and "audit_changelog" in sql for sql in first_queries)
    connection.queries_log.clear()
    with django_assert_max_num_queries(len(first_queries)):
        response = client.get(HISTORY, {"before": cursors[-1]})
    assert len(response.context["page"]) > 0


@pytest.mark.parametrize(
    "params",
    [
        {"before": "3"},
        {"before": "garbage"},
        {"after": "2026-13-01T00:00:00Z_5"},
        {"before": "2026-06-01T08:00:00.000000Z_x"},
        {"after": "2026-06-01T08:00:00.000000Z_" + "9" * 40},
    ],
)
def test_a_bad_cursor_is_refused_with_a_way_back(many_changes, auditor, as_user, params):
    response = as_user(auditor).get(HISTORY, {"model": "registry.facility", **params})
    assert response.status_code == 400
    assert response.context["bad_cursor"]
    assert response.context["page"] is None
    assert 'href="?model=registry.facility"' in response.content.decode()


def test_a_crafted_cursor_shows_no_change_out_of_scope(
    many_changes, auditor, other_auditor, as_user, small_pages
):
    client = as_user(other_auditor)
    mine = set(changes_for(other_auditor).values_list("pk", flat=True))
    theirs = set(changes_for(auditor).values_list("pk", flat=True)) - mine
    assert theirs, "the county's changes are out of the other county's scope"
    for params in ({"before": FAR_FUTURE}, {"after": LONG_AGO}):
        rows = {row.pk for row in client.get(HISTORY, params).context["page"]}
        assert rows and rows <= mine
    seen, _cursors = walk(client, start=FAR_FUTURE)
    assert set(seen) == mine
    # A cursor taken from the other county's change moves the position, not the scope.
    hidden = ChangeLog.objects.get(pk=max(theirs))
    cursor = views.ORDER.cursor(hidden)
    for name in ("before", "after"):
        rows = {row.pk for row in client.get(HISTORY, {name: cursor}).context["page"]}
        assert not rows & theirs
