"""The bureau leads' overview of a region and a period: inspections planned, done and
published; results by category; hazards by category, class and status; closure on
time; major hazards; progress toward zero open hazards; the monthly trend; complaints
by category and month and the facilities most complained about; the facilities' late
duties; the facilities with most open hazards.

Each section is a table (the numbers, each with the link to the list behind it) and
a chart drawn from the same numbers; the page, the chart and the Excel export all
read the same ``Section`` objects. A fixed number of queries, whatever the number
of facilities and hazards."""

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import periods
from inspections import access
from inspections.duties.models import Duty, DutyRule
from inspections.hazards import filters as hazard_filters
from inspections.hazards.models import Hazard
from inspections.onsite import filters as inspection_filters
from inspections.onsite.models import Inspection
from inspections.publication.models import Publication
from registry.models import Category

from .exports import neutralise

# A longer period would make the monthly charts unreadable on a phone.
MAX_MONTHS = 24
TOP_FACILITIES = 20
OFFICIAL_KINDS = [kind for kind in Inspection.Kind if kind != Inspection.Kind.SELF]


# ---------------------------------------------------------------- filters


@dataclass
class Period:
    first: date  # the first day of the first month
    last: date  # the first day of the last month

    @property
    def end(self):
        """The day after the period."""
        return periods.next_month(self.last)

    @property
    def months(self):
        month, months = self.first, []
        while month <= self.last:
            months.append(month)
            month = periods.next_month(month)
        return months

    def params(self):
        return {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}


def default_period(today=None):
    """The current year to date."""
    today = today or timezone.localdate()
    return Period(first=date(today.year, 1, 1), last=today.replace(day=1))


@dataclass
class Choice:
    region: object  # a Region, or None for all the user's regions
    period: Period
    error: str = ""

    def params(self):
        """The query string parameters that choose the same again."""
        return {**({"region": self.region.code} if self.region else {}), **self.period.params()}


def choose(user, params):
    """The region and period asked for. A region outside the user's scope is 404; a bad
    period gives an error to show and the default period."""
    region = None
    if params.get("region"):
        region = access.region_for_user(user, params["region"])
        if region is None:
            raise Http404
    period, error = default_period(), ""
    if params.get("from") or params.get("to"):
        try:
            first = periods.parse_month(params.get("from") or f"{period.first:%Y-%m}")
            last = periods.parse_month(params.get("to") or f"{period.last:%Y-%m}")
        except ValueError:
            error = _(
                "Give the months as YYYY-MM, for example 2026-11. Showing the current year to date."
            )
        else:
            asked = Period(first=first, last=last)
            if last < first:
                error = _("The period ends before it starts. Showing the current year to date.")
            elif len(asked.months) > MAX_MONTHS:
                error = _(
                    "The period can be at most %(n)s months. Showing the current year to date."
                ) % {"n": MAX_MONTHS}
            else:
                period = asked
    return Choice(region=region, period=period, error=error)


# ---------------------------------------------------------------- tables


@dataclass
class Cell:
    value: object  # a count, or a share (0..1) for a rate, or None
    text: str
    href: str = ""


@dataclass
class Line:
    label: str
    cells: list
    in_chart: bool = True

    def __post_init__(self):
        # Translated now, in the request's language, not whenever it is read.
        self.label = str(self.label)


@dataclass
class Section:
    key: str
    title: str
    note: str
    head: str  # the header of the label column
    columns: list  # the headers of the number columns
    lines: list
    total: Line | None = None
    # The columns the chart draws for each line in it.
    series: list = field(default_factory=lambda: [0])
    # The colour of each charted column: blue, and red for major hazards.
    tones: list = field(default_factory=lambda: ["blue", "red"])
    chart: object = None

    def __post_init__(self):
        self.columns = [str(column) for column in self.columns]


def _link(url, params, count):
    """The list behind a number; none for a zero: there is nothing to open."""
    return f"{url}?{urlencode(params)}" if count else ""


def _count(count, url, params):
    return Cell(value=count, text=str(count), href=_link(url, params, count))


def _month(month):
    return f"{month:%Y-%m}"


# ---------------------------------------------------------------- the overview


@dataclass
class Overview:
    choice: Choice
    sections: list


def build(user, choice, today=None):
    """Every section for ``choice``, in a fixed number of queries."""
    today = today or timezone.localdate()
    period, region = choice.period, choice.region
    where = {"region": region.code} if region else {}
    inspections = access.inspections_for(user).exclude(kind=Inspection.Kind.SELF)
    hazards = access.hazards_for(user)
    if region is not None:
        inspections = inspections.filter(facility__region__path__startswith=region.path)
        hazards = hazards.filter(facility__region__path__startswith=region.path)
    # Months still to come have nothing found or closed, nor an end to count at.
    past = [month for month in period.months if month <= today]
    sections = _inspection_sections(inspections, period, where)
    sections += _hazard_sections(hazards, period, past, where, today)
    sections += _complaint_sections(user, region, period, past, where)
    sections.append(_late_duties(user, region, period, today))
    sections.append(_facilities(hazards, where))
    for section in sections:
        section.chart = chart(section)
    return Overview(choice=choice, sections=sections)


def _inspection_sections(inspections, period, where):
    """Planned, done and published by kind, and results by category: one query."""
    planned = inspection_filters.planned_in(period.first, period.end)
    done = inspection_filters.finished_in(period.first, period.end)
    counts = {
        "planned": Count("pk", filter=planned),
        "done": Count("pk", filter=done),
        "published": Count("pk", filter=done & inspection_filters.PUBLISHED),
        "withdrawn": Count("pk", filter=done & inspection_filters.WITHDRAWN),
        "awaiting": Count("pk", filter=done & inspection_filters.AWAITING),
    }
    for category in Publication.Category.values:
        counts[category] = Count("pk", filter=done & inspection_filters.in_category(category))
    by_kind = {row["kind"]: row for row in inspections.order_by().values("kind").annotate(**counts)}

    def total(name, kinds=OFFICIAL_KINDS):
        return sum(by_kind.get(kind, {}).get(name, 0) for kind in kinds)

    url = reverse("inspections:inspection_list")
    months = {"from": _month(period.first), "to": _month(period.last)}
    planned_params = {"planned_from": months["from"], "planned_to": months["to"]}
    finished = {"finished_from": months["from"], "finished_to": months["to"]}
    rows = [
        (_("Planned"), "planned", planned_params),
        (_("Done"), "done", finished),
        (_("Published"), "published", {**finished, "publication": "published"}),
    ]
    kinds = [(kind.label, kind.value, [kind]) for kind in OFFICIAL_KINDS]
    kinds.append((_("Total"), inspection_filters.OFFICIAL, OFFICIAL_KINDS))
    lines = [
        Line(
            label=label,
            cells=[
                _count(total(name, members), url, {**where, "kind": kind, **params})
                for _label, kind, members in kinds
            ],
        )
        for label, name, params in rows
    ]
    activity = Section(
        key="inspections",
        title=_("Inspections planned, done and published"),
        note=_(
            "Planned: drawn for a plan whose window overlaps the period. Done: finished in "
            "the period. Published: of those done, results that have been made public. "
            "The chart shows the totals."
        ),
        head=_("Inspections"),
        columns=[label for label, _kind, _members in kinds],
        lines=lines,
        series=[len(kinds) - 1],
    )
    official = {**where, "kind": inspection_filters.OFFICIAL, **finished}
    results = [
        Line(
            label=category.label,
            cells=[_count(total(category.value), url, {**official, "category": category.value})],
        )
        for category in Publication.Category
    ]
    results += [
        Line(
            label=_("Withdrawn"),
            cells=[_count(total("withdrawn"), url, {**official, "publication": "withdrawn"})],
        ),
        Line(
            label=_("Awaiting review"),
            cells=[_count(total("awaiting"), url, {**official, "publication": "awaiting"})],
        ),
    ]
    return [
        activity,
        Section(
            key="results",
            title=_("Results by category"),
            note=_(
                "Inspections finished in the period: published results by the category "
                "of their current version, withdrawn results, and results still awaiting "
                "review (or returned for changes)."
            ),
            head=_("Result"),
            columns=[_("Results")],
            lines=results,
        ),
    ]


def _hazard_sections(hazards, period, past, where, today):
    url = reverse("inspections:hazard_list")
    found = periods.within("found_on", period.first, period.end)
    found_params = {
        **where,
        "found_from": _month(period.first),
        "found_to": _month(period.last),
    }
    return [
        *_found(hazards.filter(found), url, found_params),
        _closure(hazards, period, url, where),
        *_open(hazards, past, url, where, today),
        _trend(hazards, period, past, url, where),
    ]


def _found(hazards, url, params):
    """Hazards found in the period by category, class and status (status as of now):
    one grouped query, two tables."""
    by_category, by_status = {}, {}
    for category, severity, status, n in (
        hazards.order_by().values_list("category", "severity", "status").annotate(n=Count("pk"))
    ):
        category = category or hazard_filters.UNCATEGORISED
        by_category[category, severity] = by_category.get((category, severity), 0) + n
        by_status[status, severity] = by_status.get((status, severity), 0) + n
    categories = [(c.value, c.label) for c in Category]
    if any(key[0] == hazard_filters.UNCATEGORISED for key in by_category):
        categories.append((hazard_filters.UNCATEGORISED, _("Uncategorised")))
    statuses = [(s.value, s.label) for s in Hazard.Status]
    severities = [s.value for s in Hazard.Severity]
    columns = [*(s.label for s in Hazard.Severity), _("Total")]

    def table(counts, values, name):
        lines = []
        for value, label in values:
            numbers = [counts.get((value, s), 0) for s in severities]
            cells = [
                _count(n, url, {**params, name: value, "severity": s})
                for n, s in zip(numbers, severities, strict=True)
            ]
            cells.append(_count(sum(numbers), url, {**params, name: value}))
            lines.append(Line(label=label, cells=cells))
        sums = [sum(line.cells[i].value for line in lines) for i in range(len(severities))]
        cells = [
            _count(n, url, {**params, "severity": s}) for n, s in zip(sums, severities, strict=True)
        ]
        cells.append(_count(sum(sums), url, params))
        return lines, Line(label=_("Total"), cells=cells)

    category_lines, category_total = table(by_category, categories, "category")
    status_lines, status_total = table(by_status, statuses, "status")
    note = _("Hazards found in the period, with their status today.")
    return [
        Section(
            key="hazard_categories",
            title=_("Hazards by category and class"),
            note=note,
            head=_("Category"),
            columns=columns,
            lines=category_lines,
            total=category_total,
            series=[0, 1],
        ),
        Section(
            key="hazard_statuses",
            title=_("Hazards by status and class"),
            note=note,
            head=_("Status"),
            columns=columns,
            lines=status_lines,
            total=status_total,
            series=[0, 1],
        ),
    ]


def _closure(hazards, period, url, where):
    """Closures in the period, on time or late, and the hazards overdue now."""
    closed = periods.within("closed_at", period.first, period.end, moment=True)
    counts = hazards.aggregate(
        closed=Count("pk", filter=closed),
        on_time=Count("pk", filter=closed & hazard_filters.CLOSED_ON_TIME),
        overdue=Count("pk", filter=Q(status=Hazard.Status.OVERDUE)),
    )
    closed_params = {
        **where,
        "closed_from": _month(period.first),
        "closed_to": _month(period.last),
    }
    late = counts["closed"] - counts["on_time"]
    on_time = {**closed_params, "on_time": "1"}
    rate = counts["on_time"] / counts["closed"] if counts["closed"] else None
    lines = [
        Line(_("Closed in the period"), [_count(counts["closed"], url, closed_params)]),
        Line(_("Closed by the due date"), [_count(counts["on_time"], url, on_time)]),
        Line(
            _("Closed after the due date"),
            [_count(late, url, {**closed_params, "on_time": "0"})],
        ),
        Line(
            _("On-time closure rate"),
            [
                Cell(
                    value=rate,
                    text="—" if rate is None else f"{rate:.0%}",
                    href=_link(url, on_time, counts["on_time"]),
                )
            ],
            in_chart=False,
        ),
        Line(
            _("Overdue now"),
            [_count(counts["overdue"], url, {**where, "status": Hazard.Status.OVERDUE})],
        ),
    ]
    return Section(
        key="closure",
        title=_("Closure on time and overdue hazards"),
        note=_(
            "Hazards closed in the period, by whether they were closed by their due date; "
            "the rate is the share closed on time. Overdue hazards are counted today."
        ),
        head=_("Hazards"),
        columns=[_("Number")],
        lines=lines,
    )


def _open(hazards, past, url, where, today):
    """Open majors by status and the open count at each month's end, now: one query."""
    open_ = Q(status__in=Hazard.OPEN)
    major = Q(severity=Hazard.Severity.MAJOR)
    counts = {"open": Count("pk", filter=open_)}
    for status in Hazard.OPEN:
        counts[f"major_{status}"] = Count("pk", filter=major & Q(status=status))
    for n, month in enumerate(past):
        counts[f"m{n}"] = Count("pk", filter=hazard_filters.open_at_end_of(month))
    counts = hazards.aggregate(**counts)

    major_lines = [
        Line(
            label=Hazard.Status(status).label,
            cells=[
                _count(
                    counts[f"major_{status}"], url, {**where, "status": status, "severity": "major"}
                )
            ],
        )
        for status in Hazard.OPEN
    ]
    majors = sum(counts[f"major_{status}"] for status in Hazard.OPEN)
    supervised = Section(
        key="majors",
        title=_("Major hazards under supervision"),
        note=_("Open major hazards today (挂牌督办), by where they stand."),
        head=_("Status"),
        columns=[_("Major hazards")],
        lines=major_lines,
        total=Line(
            _("Open major hazards"),
            [_count(majors, url, {**where, "status": "open", "severity": "major"})],
        ),
    )
    progress_lines = [
        Line(
            label=(
                _("%(month)s (to date)") % {"month": _month(month)}
                if periods.next_month(month) > today
                else _("End of %(month)s") % {"month": _month(month)}
            ),
            cells=[_count(counts[f"m{n}"], url, {**where, "open_end": _month(month)})],
        )
        for n, month in enumerate(past)
    ]
    progress_lines.append(
        Line(
            label=pgettext("open hazards", "Now"),
            cells=[_count(counts["open"], url, {**where, "status": "open"})],
        )
    )
    progress = Section(
        key="progress",
        title=_("Progress toward zero open hazards"),
        note=_(
            "Open hazards at the end of each month of the period (found by then and not "
            "yet closed), and now. The goal is zero."
        ),
        head=_("When"),
        columns=[pgettext("hazards", "Open")],
        lines=progress_lines,
    )
    return [supervised, progress]


def _trend(hazards, period, past, url, where):
    """Found and closed per month: one grouped query each."""
    found = dict(
        hazards.filter(periods.within("found_on", period.first, period.end))
        .order_by()
        .annotate(month=TruncMonth("found_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    closed = dict(
        hazards.filter(periods.within("closed_at", period.first, period.end, moment=True))
        .order_by()
        .annotate(month=TruncMonth("closed_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    # TruncMonth of a datetime gives a local datetime: key both by the month's first day.
    found = {_first_day(month): n for month, n in found.items()}
    closed = {_first_day(month): n for month, n in closed.items()}
    lines = [
        Line(
            label=_month(month),
            cells=[
                _count(
                    found.get(month, 0),
                    url,
                    {**where, "found_from": _month(month), "found_to": _month(month)},
                ),
                _count(closed.get(month, 0), url, {**where, "closed_month": _month(month)}),
            ],
        )
        for month in past
    ]
    return Section(
        key="trend",
        title=_("Trend by month"),
        note=_("Hazards found and hazards closed in each month of the period."),
        head=_("Month"),
        columns=[_("Found"), _("Closed")],
        lines=lines,
        total=Line(
            _("Total"),
            [
                _count(sum(found.values()), url, {**where, **_range("found", period)}),
                _count(sum(closed.values()), url, {**where, **_range("closed", period)}),
            ],
        ),
        series=[0, 1],
        tones=["blue", "green"],
    )


def _range(name, period):
    return {f"{name}_from": _month(period.first), f"{name}_to": _month(period.last)}


def _first_day(month):
    if hasattr(month, "date"):
        month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
    return month.replace(day=1)


def _facilities(hazards, where):
    """The facilities with most open hazards now: one grouped query."""
    url = reverse("inspections:hazard_list")
    rows = (
        hazards.filter(status__in=Hazard.OPEN)
        .order_by()
        .values("facility", "facility__name")
        .annotate(
            open=Count("pk"),
            major=Count("pk", filter=Q(severity=Hazard.Severity.MAJOR)),
            overdue=Count("pk", filter=Q(status=Hazard.Status.OVERDUE)),
        )
        .order_by("-open", "facility__name", "facility")[:TOP_FACILITIES]
    )
    lines = []
    for row in rows:
        here = {"facility": row["facility"]}
        lines.append(
            Line(
                label=row["facility__name"],
                cells=[
                    _count(row["open"], url, {**here, "status": "open"}),
                    _count(row["major"], url, {**here, "status": "open", "severity": "major"}),
                    _count(row["overdue"], url, {**here, "status": Hazard.Status.OVERDUE}),
                ],
            )
        )
    return Section(
        key="facilities",
        title=_("Facilities ranked by open hazards"),
        note=_("The %(n)s facilities with most open hazards today.") % {"n": TOP_FACILITIES},
        head=_("Facility"),
        columns=[pgettext("hazards", "Open"), _("Major"), _("Overdue")],
        lines=lines,
    )


def _late_duties(user, region, period, today):
    """The facilities' own duties (自查自改) due in the period, and those of them late
    now (still open after their due date), per kind: one grouped query."""
    duties = access.duties(user).filter(due_on__gte=period.first, due_on__lt=period.end)
    if region is not None:
        duties = duties.filter(facility__region__path__startswith=region.path)
    late = Q(status=Duty.Status.OPEN, due_on__lt=today)
    counts = {
        kind: (due, n)
        for kind, due, n in duties.order_by()
        .values_list("kind")
        .annotate(due=Count("pk"), n=Count("pk", filter=late))
    }
    url = reverse("inspections:duty_list")
    here = {
        **({"region": region.code} if region else {}),
        "due_from": period.first.isoformat(),
        "due_to": (period.end - timedelta(days=1)).isoformat(),
    }
    lines = []
    for kind, label in DutyRule.Kind.choices:
        due, n = counts.get(kind, (0, 0))
        lines.append(
            Line(
                label=label,
                cells=[
                    _count(due, url, {**here, "state": "all", "kind": kind}),
                    _count(n, url, {**here, "state": "late", "kind": kind}),
                ],
            )
        )
    return Section(
        key="late_duties",
        title=_("Facilities' own duties late"),
        note=_("Duties due in the period, and those of them still not done after their due date."),
        head=_("Duty"),
        columns=[_("Due in the period"), _("Late")],
        lines=lines,
        series=[1],
        tones=["red"],
    )


def _complaint_sections(user, region, period, past, where):
    """Complaints per month and category, and the facilities with most complaints:
    counts only, never who complained (one grouped query)."""
    from inspections.complaints import overview as complaint_counts
    from inspections.complaints.models import Complaint

    complaints = access.complaints_for(user)
    if region is not None:
        complaints = complaints.filter(region__path__startswith=region.path)
    url = reverse("inspections:complaint_list")
    found = complaint_counts.counts(complaints, period.first, period.end, top=TOP_FACILITIES)
    counts = found.per_category_month
    categories = Complaint.Category.choices
    lines = []
    for month in past:
        here = {**where, "month": _month(month)}
        cells = [
            _count(counts.get((value, month), 0), url, {**here, "category": value})
            for value, _label in categories
        ]
        total = sum(cell.value for cell in cells)
        lines.append(Line(label=_month(month), cells=[*cells, _count(total, url, here)]))
    per_month = Section(
        key="complaints",
        title=_("Complaints by month and category"),
        note=_("Complaints received in each month of the period, by what they are about."),
        head=_("Month"),
        columns=[*(label for _value, label in categories), _("Total")],
        lines=lines,
        series=[len(categories)],
    )
    ranked = Section(
        key="complaint_facilities",
        title=_("Facilities ranked by complaints"),
        note=_("The %(n)s facilities with most complaints received in the period.")
        % {"n": TOP_FACILITIES},
        head=_("Facility"),
        columns=[_("Complaints"), _("Substantiated")],
        lines=[
            Line(
                label=row.name,
                cells=[
                    _count(row.n, url, {"facility": row.facility}),
                    _count(row.substantiated, url, {"facility": row.facility, "status": "replied"}),
                ],
            )
            for row in found.top_facilities
        ],
    )
    return [per_month, ranked]


# ---------------------------------------------------------------- charts

WIDTH = 320  # the drawing's width; it scales to the page
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
BAR_GAP = 3
LINE_GAP = 8
BAR_ROOM = 240  # the longest bar; the rest of the width holds its number
# The label's room in widths of a CJK character; Latin letters take about half.
LABEL_ROOM = 22


@dataclass
class Bar:
    y: int
    width: str
    tone: str
    text: str
    text_x: str
    text_y: int


@dataclass
class Chart:
    height: int
    labels: list  # (y, text)
    bars: list
    legend: list  # (tone, label), when there is more than one series
    summary: str
    bar_height: int = BAR_HEIGHT


def _fit(text):
    """``text`` cut with an ellipsis to what fits on the chart's width."""
    used = 0.0
    for n, char in enumerate(text):
        used += 1 if ord(char) >= 0x2E80 else 0.6
        if used > LABEL_ROOM:
            return text[: max(n - 1, 0)] + "…"
    return text


def chart(section):
    """Horizontal bars (one group per line, one bar per charted column), readable at
    phone width: the label above its bars, the number after each bar."""
    lines = [line for line in section.lines if line.in_chart]
    top = max([line.cells[i].value or 0 for line in lines for i in section.series] + [0])
    y, labels, bars = 0, [], []
    for line in lines:
        y += LABEL_HEIGHT
        labels.append((y - 4, _fit(str(line.label))))
        for n, column in enumerate(section.series):
            value = line.cells[column].value or 0
            width = BAR_ROOM * value / top if top else 0
            bars.append(
                Bar(
                    y=y,
                    width=f"{width:.1f}",
                    tone=section.tones[n],
                    text=line.cells[column].text,
                    text_x=f"{width + 4:.1f}",
                    text_y=y + BAR_HEIGHT - 3,
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        y += LINE_GAP
    names = [section.columns[i] for i in section.series]
    summary = "; ".join(
        f"{line.label}: "
        + ", ".join(
            f"{name} {line.cells[i].text}" if len(names) > 1 else line.cells[i].text
            for name, i in zip(names, section.series, strict=True)
        )
        for line in lines
    )
    return Chart(
        height=max(y, LABEL_HEIGHT),
        labels=labels,
        bars=bars,
        legend=list(zip(section.tones, names, strict=False)) if len(names) > 1 else [],
        summary=f"{section.title}. {summary}" if summary else section.title,
    )


# ---------------------------------------------------------------- Excel


def _sheet_title(text, taken):
    """At most 31 characters, none of []:*?/\\, and unique in the workbook."""
    title = "".join(" " if c in "[]:*?/\\" else c for c in str(text))[:31].strip() or "Sheet"
    base, n = title, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def workbook(overview, region_label):
    """The whole overview as XLSX bytes: a sheet of the filters, then one sheet per
    section with its table's numbers. Text cells are neutralised."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    taken = set()
    sheet.title = _sheet_title(_("Filters"), taken)
    period = overview.choice.period
    for label, value in (
        (_("Region"), region_label),
        (_("From"), _month(period.first)),
        (_("To"), _month(period.last)),
        (_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ):
        sheet.append([neutralise(str(label)), neutralise(str(value))])
    for section in overview.sections:
        sheet = book.create_sheet(_sheet_title(section.title, taken))
        sheet.append(
            [neutralise(str(section.head)), *(neutralise(str(c)) for c in section.columns)]
        )
        for line in [*section.lines, *([section.total] if section.total else [])]:
            sheet.append([neutralise(str(line.label)), *(cell.value for cell in line.cells)])
            for cell, number in zip(sheet[sheet.max_row][1:], line.cells, strict=True):
                if isinstance(number.value, float):
                    cell.number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
