"""The timings of the scale benchmark (benchmarks/scale.py; the figures are described
in benchmarks/run.py).

``measure(province=..., county=...)`` creates its own users and API tokens (a lead, an
auditor and a token for each of the two regions), then times every page named in
``PAGES`` as a whole request through Django's test client: one warm-up (which also
counts the queries and notes the slowest ones), then the best of ``runs``. Streams and
exports are also run once under ``tracemalloc`` for their Python-side peak memory.

Deep pages are found the way a reader finds them: from the page's own "next" link.
When that link carries a page number, the deep page is the last one (a page number past
the end is clamped to it; the API takes ``page=last``); when it carries a cursor, the
benchmark follows it ``deep_hops`` times (the API's lists: to their last full page,
see ``_api``).
"""

import math
import tempfile
import time
import tracemalloc
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# (page, who, how): ``how`` is "page" (HTML), "paged" (HTML with a deep page too),
# "stream" (time, queries and peak memory), "kept" (a stream built once per change of
# the data and then served from a file, reports.opendata: the first download, which
# builds it, is timed on its own as ``scale_<page>_build_<who>_ms``, then the download
# as a "stream"), "api" (JSON list with a deep page) or "command". The figures are
# ``scale_<page>_<who>_ms`` and ``_queries`` (plus ``_peak_kb`` for streams and
# commands).
LEAD_PAGES = [
    ("hazards", "/inspections/hazards/", "paged"),
    ("dashboard", "/reports/dashboard/", "page"),
    ("overview", "/reports/overview/", "page"),
    ("overview_xlsx", "/reports/overview.xlsx", "stream"),
    ("inspections", "/inspections/inspections/", "paged"),
    ("review", "/inspections/results/", "paged"),
    ("home", "/", "page"),
]
AUDITOR_PAGES = [
    ("history", "/audit/history/", "paged"),
    ("history_csv", "/audit/history.csv", "stream"),
]
PUBLIC_PAGES = [
    ("results", "/public/results/", "paged"),
    ("results_filtered", "/public/results/?region={county}&category=ordered", "paged"),
    ("results_csv", "/public/results.csv", "kept"),
    ("results_json", "/public/results.json", "kept"),
]
# A request slower than this in its warm-up is not repeated nor traced for memory.
SLOW_S = 20
API_LISTS = ["plans", "draws", "results", "hazards", "credit"]
WHO = ("province", "county")


def page_names():
    """Every ``<page>_<who>`` this module measures (the test checks each is figured)."""
    names = []
    for who in WHO:
        for page, _url, how in LEAD_PAGES + AUDITOR_PAGES:
            names.append(f"{page}_{who}")
            if how == "paged":
                names.append(f"{page}_deep_{who}")
        for name in API_LISTS:
            names += [f"api_{name}_{who}", f"api_{name}_deep_{who}"]
            names.append(f"api_{name}_numbered_deep_{who}")
    for page, _url, how in PUBLIC_PAGES:
        names.append(f"{page}_public")
        if how == "paged":
            names.append(f"{page}_deep_public")
    names += ["export_hazards_province", "workflow_timers_all"]
    return names


# ---------------------------------------------------------------- following pages


class _Links(HTMLParser):
    """The hrefs of a page's pagination (``nav.pagination``), its first ``rel="next"``
    and ``rel="prev"``, and the rows of each table body (``bodies``: a count per
    ``tbody``, in page order)."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # >0 inside a nav.pagination
        self.pagination = []
        self.rel = {}
        self.bodies = []
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            if self.depth or "pagination" in (attrs.get("class") or "").split():
                self.depth += 1
        elif tag == "tbody":
            self.in_body = True
            self.bodies.append(0)
        elif tag == "tr" and self.in_body:
            self.bodies[-1] += 1
        elif tag in ("a", "link") and attrs.get("href"):
            for rel in (attrs.get("rel") or "").split():
                self.rel.setdefault(rel, attrs["href"])
            if self.depth and tag == "a":
                self.pagination.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1
        elif tag == "tbody":
            self.in_body = False

    @classmethod
    def of(cls, body):
        links = cls()
        links.feed(body.decode("utf-8", "replace"))
        return links


def _with_query(url, **values):
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(values)
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def _page_number(url):
    value = dict(parse_qsl(urlsplit(url).query)).get("page", "")
    return value if value.isdigit() else None


def html_next(url, body):
    """The URL of the page after ``url``'s, from its body; None on the last page."""
    links = _Links.of(body)
    href = links.rel.get("next")
    if href is None and "prev" not in links.rel and links.pagination:
        # Pagination without rel links: its last link is the next page's.
        href = links.pagination[-1]
    if href is None:
        return None
    nxt = urljoin(url, href)
    # On the last page of page-number pagination the last link goes back.
    number, current = _page_number(nxt), _page_number(url) or "1"
    if number is not None and int(number) <= int(current):
        return None
    return nxt


def html_prev(url, body):
    """The URL of the page before ``url``'s (its ``rel="prev"`` link), or None."""
    href = _Links.of(body).rel.get("prev")
    return urljoin(url, href) if href else None


def html_rows(body):
    """The rows of a list page: those of its last table body (the paginated list
    follows any summary table above it)."""
    bodies = _Links.of(body).bodies
    return bodies[-1] if bodies else 0


def _api_link(body, key):
    import json

    link = json.loads(body).get(key)
    if not link:
        return None
    parts = urlsplit(link)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def api_next(_url, body):
    return _api_link(body, "next")


def api_prev(_url, body):
    return _api_link(body, "previous")


def html_last(_body):
    return str(10**6)  # Paginator.get_page clamps a number past the end to the last page


def api_rows(body):
    import json

    return len(json.loads(body)["results"])


def api_last(body):
    import json

    data = json.loads(body)
    return str(math.ceil(data["count"] / max(len(data["results"]), 1)))


def deep_url(get, url, next_of, *, last_of, hops, rows_of=None, prev_of=None):
    """The deep page of ``url``: its last page when the next link is numbered
    (``last_of(body)`` gives its number), else the page ``hops`` next links on.

    With ``rows_of`` (rows on a page, from its body) the deep page is the last *full*
    one: a list's last page holds whatever is left over (6 rows at one size, 40 at
    another), and a page's cost follows the rows it shows, so comparing two sizes'
    last pages would measure the remainder, not the depth. A numbered last page that
    is short gives way to the page before it (``prev_of(url, body)``); a cursor walk
    that ends on a short page stops one page earlier."""
    body = get(url)
    nxt = next_of(url, body)
    if nxt is None:
        return url  # one page only: the first is the deepest
    full = rows_of(body) if rows_of else None
    if _page_number(nxt) is not None:
        last = _with_query(nxt, page=last_of(body))
        if full is None or prev_of is None:
            return last
        page = get(last)
        before = prev_of(last, page) if rows_of(page) < full else None
        return before or last
    before = url
    for _ in range(hops - 1):
        page = get(nxt)
        after = next_of(nxt, page)
        if after is None:
            if full is not None and rows_of(page) < full:
                return before
            break
        before, nxt = nxt, after
    return nxt


# ---------------------------------------------------------------- timing


class SlowQueries:
    """An execute wrapper counting the statements (``count``) and keeping the slowest
    (for EXPLAIN ANALYZE). It counts what CaptureQueriesContext would, without its
    log's cap of 9,000 queries."""

    def __init__(self, keep=20):
        self.keep = keep
        self.rows = []  # (seconds, label, sql, params)
        self.label = ""
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            if not many and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                self.rows.append((spent, self.label, sql, params))
                if len(self.rows) > self.keep * 4:
                    self._trim()

    def _trim(self):
        best = {}
        for row in sorted(self.rows, key=lambda r: -r[0]):
            best.setdefault(row[2], row)
        self.rows = list(best.values())[: self.keep]

    def slowest(self, n):
        self._trim()
        return self.rows[:n]


def _consume(response):
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class Timer:
    """Times requests and commands; collects figures, errors and slow queries."""

    def __init__(self, runs, slow=None):
        self.runs = runs
        self.slow = slow or SlowQueries()
        self.figures = {}
        self.errors = []

    def _warm(self, name, call):
        from django.db import connection

        self.slow.label = name
        before = self.slow.count
        with connection.execute_wrapper(self.slow):
            result = call()
        return result, self.slow.count - before

    def time(self, name, call, *, memory=False, repeat=True):
        """``call`` returns a status (HTTP code, or 0 for a command); figures for ``name``."""
        try:
            start = time.perf_counter()
            status, queries = self._warm(name, call)
            warm = time.perf_counter() - start
            if status not in (0, 200):
                self.errors.append(f"{name}: status {status}")
                return
            best = math.inf
            if warm > SLOW_S:  # once is enough to know it is slow (and the run ends today)
                repeat, memory, self._last = False, False, warm
            for _ in range(self.runs if repeat else 0):
                start = time.perf_counter()
                call()
                best = min(best, time.perf_counter() - start)
            if not repeat:
                best = self._last
            self.figures[f"scale_{name}_ms"] = round(best * 1000, 1)
            self.figures[f"scale_{name}_queries"] = queries
            if memory:
                tracemalloc.start()
                try:
                    call()
                    self.figures[f"scale_{name}_peak_kb"] = (
                        tracemalloc.get_traced_memory()[1] // 1024
                    )
                finally:
                    tracemalloc.stop()
        except Exception as error:  # noqa: BLE001  (one broken page must not hide the rest)
            self.errors.append(f"{name}: {type(error).__name__}: {error}")

    def once(self, name, call):
        """A run that changes the data (the timer dispatch): timed once, queries counted."""

        def timed():
            start = time.perf_counter()
            status = call()
            self._last = time.perf_counter() - start
            return status

        self.time(name, timed, repeat=False)


def _requester(client, **headers):
    def get(url):
        response = client.get(url, **headers)
        _consume(response)
        return response.status_code

    def body(url):
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: status {response.status_code}")
        return response.content

    return get, body


# ---------------------------------------------------------------- the measure


def _users(province, county):
    from registry.models import User
    from registry.services import user_ensure
    from reports.tokens import api_token_create

    tag = uuid.uuid4().hex[:8]
    people = {}
    for who, region in (("province", province), ("county", county)):
        for role in (User.Role.LEAD, User.Role.AUDITOR):
            people[role, who] = user_ensure(
                username=f"scale-{role}-{who}-{tag}",
                values={"role": role, "full_name": f"{role} {who}"},
                regions=[region],
            )
        people["token", who] = api_token_create(
            name=f"scale-{who}-{tag}", region_codes=[region.code]
        )[1]
    return people


def _timer_counts():
    from django.utils import timezone

    from inspections.hazards.models import Hazard

    open_ = Hazard.objects.filter(status__in=Hazard.OPEN)
    return {
        "scale_timers_open_hazards": open_.count(),
        "scale_timers_holding": open_.exclude(next_alarm_at=None).count(),
        "scale_timers_due": open_.filter(next_alarm_at__lte=timezone.now()).count(),
    }


def measure(*, province, county, runs=3, deep_hops=10, timers=True, slow=None):
    """Figures (and ``errors``, a list) for every page of ``page_names()``.

    ``province`` and ``county`` are Regions; the county should lie in the province."""
    from django.test import override_settings

    # DEBUG would log every query: time and memory as in production.
    with override_settings(PUBLIC_DOWNLOAD_LIMIT=10**9, DEBUG=False):
        return _measure(province, county, Timer(runs, slow), deep_hops, timers)


def _measure(province, county, timer, deep_hops, timers):
    from django.core.management import call_command
    from django.test import Client

    people = _users(province, county)
    for who in WHO:
        for role, pages_ in (("lead", LEAD_PAGES), ("auditor", AUDITOR_PAGES)):
            client = Client(HTTP_HOST="localhost")
            client.force_login(people[role, who])
            get, body = _requester(client)
            _pages(timer, get, body, pages_, who, deep_hops, {"county": county.code})
        client = Client(HTTP_HOST="localhost")
        get, body = _requester(client, HTTP_AUTHORIZATION=f"Token {people['token', who]}")
        _api(timer, get, body, who, deep_hops)
    get, body = _requester(Client(HTTP_HOST="localhost"))
    _pages(timer, get, body, PUBLIC_PAGES, "public", deep_hops, {"county": county.code})

    with tempfile.TemporaryDirectory() as work:
        output = Path(work) / "hazards.csv"

        def export():
            call_command("export_hazards", region=province.code, output=str(output))
            return 0

        timer.time("export_hazards_province", export, memory=True)
        if output.exists():
            timer.figures["scale_export_hazards_province_kb"] = output.stat().st_size // 1024

    if timers:
        timer.figures.update(_timer_counts())

        def dispatch():
            call_command("workflow_timers", stdout=open_null(), verbosity=0)
            return 0

        timer.once("workflow_timers_all", dispatch)
    timer.figures["errors"] = timer.errors
    return timer.figures


def open_null():
    import io

    return io.StringIO()


# A walk through an API list by its cursor goes to the end, however long: the deep page
# is the list's last full page (at L, 414 pages of the province's hazards).
CURSOR_WALK_LIMIT = 10_000


def _api(timer, get, body, who, hops):
    """Each list's first page; its deep page the way a client walking the whole list
    reaches it (the cursor's ``next`` links to the last full page: keyset pages, whose cost
    should not grow with the depth); and the last numbered page (``?page=N``, an
    offset and a count over the scope, kept for clients paging a few screens; its last
    full page, like the cursor's)."""
    for name in API_LISTS:
        url = f"/api/{name}/"
        timer.time(f"api_{name}_{who}", lambda url=url: get(url))
        for label, start, limit in (
            ("deep", f"{url}?cursor=", CURSOR_WALK_LIMIT),
            ("numbered_deep", url, hops),
        ):
            _time_deep(timer, get, body, f"api_{name}_{label}_{who}", start, api_next, limit)


def _time_deep(timer, get, body, name, start, next_of, hops):
    """Find the deep page from ``start`` (``deep_url``) and time it as ``name``; a
    failure to find it is one error, not the end of the run."""
    api = next_of is api_next
    walk = dict(
        last_of=api_last if api else html_last,
        rows_of=api_rows if api else html_rows,
        prev_of=api_prev if api else html_prev,
    )
    try:
        deep = deep_url(body, start, next_of, hops=hops, **walk)
    except Exception as error:  # noqa: BLE001
        timer.errors.append(f"{name}: {error}")
        return
    timer.time(name, lambda: get(deep))


def _pages(timer, get, body, pages_, who, hops, values):
    for page, url, how in pages_:
        url = url.format(**values)
        name = f"{page}_{who}"
        if how == "kept":
            start = time.perf_counter()
            get(url)
            timer.figures[f"scale_{page}_build_{who}_ms"] = round(
                (time.perf_counter() - start) * 1000, 1
            )
        timer.time(name, lambda url=url: get(url), memory=how in ("stream", "kept"))
        if how == "paged":
            _time_deep(timer, get, body, f"{page}_deep_{who}", url, html_next, hops)


def explain(rows):
    """``EXPLAIN (ANALYZE, BUFFERS)`` of each (seconds, label, sql, params) row, on
    PostgreSQL: a list of {label, ms, sql, plan}."""
    from django.db import connection

    plans = []
    for spent, label, sql, params in rows:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append({"label": label, "ms": round(spent * 1000, 1), "sql": sql, "plan": plan})
    return plans
