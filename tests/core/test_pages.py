"""Pages of a long list: the counted page (one query for the rows and the total)
gives the same pages as the paginator, and falls back to it past the end."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core import pages
from registry.models import Region


@pytest.fixture
def regions(db):
    for n in range(60):
        Region.objects.create(code=f"43{n:04d}", name=f"区{n}")
    return Region.objects.order_by("code")


def _page(regions, number):
    request = RequestFactory().get("/", {"page": number} if number is not None else {})
    return pages.counted_page(request, regions)


def _codes(page):
    return list(Region.objects.filter(pk__in=page.object_list).values_list("code", flat=True))


def test_a_counted_page_reads_its_rows_and_the_total_in_one_query(regions):
    with CaptureQueriesContext(connection) as captured:
        page = _page(regions, "2")
        assert page.paginator.count == 60
        assert page.paginator.num_pages == 3
    assert len(captured) == 1
    assert page.number == 2
    assert _codes(page) == [f"43{n:04d}" for n in range(25, 50)]
    assert page.has_next() and page.has_previous()


@pytest.mark.parametrize(("asked", "shown"), [(None, 1), ("abc", 1), ("9", 3), ("0", 3)])
def test_a_page_number_past_the_end_or_not_a_number_shows_what_the_paginator_would(
    regions, asked, shown
):
    page = _page(regions, asked)
    assert page.number == shown
    assert page.paginator.count == 60


def test_an_empty_list_is_one_empty_page(db):
    page = _page(Region.objects.order_by("code"), "1")
    assert page.paginator.count == 0
    assert list(page.object_list) == []
    assert page.number == 1
