"""The scale benchmark's measure runs every page it names on a tiny data set: a page
renamed or broken fails here, not hours into a run at size L."""

import json

import pytest

from benchmarks import scale_build, scale_measure
from registry.models import Region


@pytest.fixture
def built(monkeypatch):
    monkeypatch.setenv("SCALE_BUILD_QUIET", "1")
    return scale_build.build("XS")


@pytest.mark.django_db
def test_it_measures_every_page_named(built):
    figures = scale_measure.measure(
        province=Region.objects.get(pk=built["province_region_id"]),
        county=Region.objects.get(pk=built["county_region_id"]),
        runs=1,
        deep_hops=2,
    )

    assert figures["errors"] == []
    missing = [
        name
        for name in scale_measure.page_names()
        if not isinstance(figures.get(f"scale_{name}_ms"), float)
        or not isinstance(figures.get(f"scale_{name}_queries"), int)
    ]
    assert missing == []
    streams = [
        f"{page}_public" for page, _url, how in scale_measure.PUBLIC_PAGES if how == "stream"
    ]
    assert all(figures[f"scale_{name}_peak_kb"] > 0 for name in streams)
    assert figures["scale_timers_holding"] == figures["scale_timers_open_hazards"]


def test_it_follows_numbered_and_cursor_next_links():
    numbered = b'<nav class="pagination"><a href="?q=1&amp;page=2">next</a></nav>'
    cursor = b'<a rel="next" href="?after=abc">next</a>'
    last = b'<nav class="pagination"><a href="?page=2">previous</a></nav>'

    assert scale_measure.html_next("/x/", numbered) == "/x/?q=1&page=2"
    assert scale_measure.html_next("/x/?after=z", cursor) == "/x/?after=abc"
    assert scale_measure.html_next("/x/?page=3", last) is None
    newest = b'<nav class="pagination"><a rel="prev" href="?after=abc">newer</a></nav>'
    assert scale_measure.html_next("/x/?before=z", newest) is None  # a walk's last page
    pages = {"/x/": numbered, "/x/?q=1&page=2": b""}
    deep = scale_measure.deep_url(
        pages.__getitem__, "/x/", scale_measure.html_next, last_of=lambda body: "999", hops=5
    )
    assert deep == "/x/?q=1&page=999"


def test_a_cursor_walk_stops_at_the_last_full_page():
    """The API's last page holds the remainder; the deep page compared between sizes is
    the last page that is as long as the first."""

    def page(rows, nxt):
        return json.dumps({"results": [0] * rows, "next": nxt}).encode()

    pages = {
        "/api/x/?cursor=": page(3, "http://t/api/x/?cursor=a"),
        "/api/x/?cursor=a": page(3, "http://t/api/x/?cursor=b"),
        "/api/x/?cursor=b": page(3, "http://t/api/x/?cursor=c"),
        "/api/x/?cursor=c": page(1, None),
    }
    walk = dict(next_of=scale_measure.api_next, last_of=scale_measure.api_last, hops=100)
    rows = scale_measure.api_rows

    assert scale_measure.deep_url(pages.__getitem__, "/api/x/?cursor=", **walk) == (
        "/api/x/?cursor=c"
    )
    assert (
        scale_measure.deep_url(pages.__getitem__, "/api/x/?cursor=", rows_of=rows, **walk)
        == "/api/x/?cursor=b"
    )
    pages["/api/x/?cursor=c"] = page(3, None)
    assert (
        scale_measure.deep_url(pages.__getitem__, "/api/x/?cursor=", rows_of=rows, **walk)
        == "/api/x/?cursor=c"
    )


def test_a_numbered_html_list_compares_its_last_full_page():
    """An HTML list's last page holds the remainder too: the deep page is the one before
    it when it is shorter than the first; the rows counted are the paginated table's
    (the last table body), not a summary table above it."""

    def page(rows, *, prev=None, nxt=None, summary=2):
        links = "".join(
            f'<a rel="{rel}" href="?q=1&amp;page={n}">{rel}</a>'
            for rel, n in (("prev", prev), ("next", nxt))
            if n
        )
        summary_rows = "<tr><td>s</td></tr>" * summary
        rows_ = "<tr><td>r</td></tr>" * rows
        return (
            f"<table><tbody>{summary_rows}</tbody></table>"
            f"<table><thead><tr><th>h</th></tr></thead><tbody>{rows_}</tbody></table>"
            f'<nav class="pagination">{links}</nav>'
        ).encode()

    walk = dict(
        next_of=scale_measure.html_next,
        last_of=scale_measure.html_last,
        rows_of=scale_measure.html_rows,
        prev_of=scale_measure.html_prev,
        hops=5,
    )
    last = "/x/?q=1&page=1000000"
    pages = {"/x/": page(20, nxt=2), last: page(3, prev=6)}

    assert scale_measure.html_rows(pages["/x/"]) == 20
    assert scale_measure.deep_url(pages.__getitem__, "/x/", **walk) == "/x/?q=1&page=6"
    pages[last] = page(20, prev=6)
    assert scale_measure.deep_url(pages.__getitem__, "/x/", **walk) == last
    pages[last] = page(3, prev=1)  # two pages, the second short: the first is the deep one
    assert scale_measure.deep_url(pages.__getitem__, "/x/", **walk) == "/x/?q=1&page=1"
