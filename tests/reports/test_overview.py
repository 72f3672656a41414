"""The bureau leads' overview: every section's numbers against hand-built data, the
links behind the numbers, the region and period filters, scope and roles, a fixed
number of queries, the charts, and the Excel export holding the page's numbers."""

import io
from datetime import date, datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from inspections.onsite.models import Inspection
from inspections.publication import services
from registry.models import Region, User
from tests.conftest import add_facility
from tests.enforcement.helpers import case_behind
from tests.inspections.conftest import make_hazard, make_plan

URL = "/reports/overview/"
XLSX = "/reports/overview.xlsx"
PERIOD = "from=2026-08&to=2026-10"


def local(*args):
    return timezone.make_aware(datetime(*args))


def inspection(facility, *, kind="case", status="finished", finished_at=None, plan=None):
    """An inspection row in ``status`` (test setup, not the on-site flow); a finished
    official one gets its publication through the service, as inspection_finish does."""
    day = timezone.localdate(finished_at) if finished_at else date(2026, 9, 1)
    made = Inspection.objects.create(
        facility=facility,
        kind=kind,
        plan=plan,
        window_start=plan.window_start if plan else day,
        window_end=plan.window_end if plan else day,
        status=status,
        started_at=finished_at,
        finished_at=finished_at,
    )
    if status == "finished":
        services.publication_open(inspection=made, by=None)
    return made


def publish(made, by, category):
    if category != "none_found":
        # A "problem found" category needs a hazard of the inspection behind it (DOMAIN.md
        # §8): one long closed, which falls outside every period these tests look at.
        make_hazard(
            made.facility,
            by,
            status="closed",
            inspection=made,
            found_on=date(2020, 1, 6),
            closed_at=local(2020, 1, 8, 10),
        )
    return services.publication_publish(publication=made.publication, by=by, category=category)


@pytest.fixture(autouse=True)
def english(settings):
    """Lines are found by their English labels; the numbers do not depend on it."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def city_lead(world):
    user = User.objects.create_user(username="city_lead", password="x", role=User.Role.LEAD)
    user.regions.set([world["city"]])
    return user


@pytest.fixture
def hazards(world, lead, other_lead):
    """Hazards around August–October 2026 (Asia/Shanghai)."""
    here, there = world["facility"], world["other_facility"]
    return {
        "h1": make_hazard(here, lead, category="fire", found_on=date(2026, 10, 8)),
        "h2": make_hazard(
            here,
            lead,
            category="fire",
            severity="major",
            status="rectifying",
            found_on=date(2026, 9, 15),
        ),
        "h3": make_hazard(
            here,
            lead,
            category="food",
            status="overdue",
            found_on=date(2026, 8, 20),
            due_on=date(2026, 9, 1),
        ),
        # Closed at 00:30 on 1 October locally: still 30 September in UTC.
        "h4": make_hazard(
            there,
            lead,
            status="closed",
            found_on=date(2026, 9, 20),
            closed_at=local(2026, 10, 1, 0, 30),
            due_on=date(2026, 10, 10),
        ),
        "h5": make_hazard(
            there,
            lead,
            category="building",
            severity="major",
            status="closed",
            found_on=date(2026, 8, 10),
            closed_at=local(2026, 10, 20, 9),
            due_on=date(2026, 10, 15),
        ),
        "h6": make_hazard(
            there,
            lead,
            category="fire",
            status="awaiting_verification",
            found_on=date(2026, 7, 1),
        ),
        "h7": make_hazard(
            here,
            lead,
            category="service",
            status="closed",
            found_on=date(2026, 10, 30),
            closed_at=local(2026, 11, 2, 10),
            due_on=date(2026, 11, 6),
        ),
        "far": make_hazard(
            world["far_facility"],
            other_lead,
            category="fire",
            severity="major",
            found_on=date(2026, 9, 1),
        ),
    }


@pytest.fixture
def results(world, lead, other_lead, published_template):
    """Planned and finished inspections with their results in every state."""
    here, there, far = world["facility"], world["other_facility"], world["far_facility"]
    september = make_plan(
        world,
        lead,
        published_template,
        name="九月抽查",
        window_start=date(2026, 9, 1),
        window_end=date(2026, 9, 30),
    )
    december = make_plan(world, lead, published_template, name="十二月抽查")
    made = {
        "i1": inspection(here, kind="routine", status="scheduled", plan=september),
        "i2": inspection(there, kind="routine", status="cancelled", plan=september),
        "i3": inspection(here, kind="routine", status="scheduled", plan=december),
        "i4": inspection(here, kind="routine", plan=september, finished_at=local(2026, 9, 10, 15)),
        "c1": inspection(here, finished_at=local(2026, 10, 5, 11)),
        # 23:30 on 31 August locally.
        "c2": inspection(there, finished_at=local(2026, 8, 31, 23, 30)),
        "c3": inspection(there, kind="reinspection", finished_at=local(2026, 10, 10, 10)),
        "c4": inspection(here, finished_at=local(2026, 10, 12, 10)),
        "c5": inspection(here, finished_at=local(2026, 11, 5, 10)),
        "s1": inspection(here, kind="self", finished_at=local(2026, 10, 1, 10)),
        # 00:30 on 1 September locally: still August in UTC.
        "c6": inspection(here, finished_at=local(2026, 9, 1, 0, 30)),
        "far": inspection(far, finished_at=local(2026, 10, 1, 10)),
    }
    publish(made["i4"], lead, "none_found")
    publish(made["c1"], lead, "ordered")
    publish(made["c3"], lead, "none_found")
    services.publication_withdraw(publication=made["c3"].publication, by=lead, reason="录入错误")
    services.publication_return(publication=made["c4"].publication, by=lead, reason="类别有误")
    publish(made["c6"], lead, "corrected")
    case_behind(made["c6"], lead)
    services.publication_correct(
        publication=made["c6"].publication, by=lead, reason="已移送处罚", category="penalty"
    )
    publish(made["c5"], lead, "none_found")
    publish(made["far"], other_lead, "ordered")
    return made


def sections(response):
    assert response.status_code == 200
    return {section.key: section for section in response.context["sections"]}


def table(section):
    """{line label: [the numbers]} with the total as "Total"."""
    lines = [*section.lines, *([section.total] if section.total else [])]
    return {str(line.label): [cell.value for cell in line.cells] for line in lines}


def numbers(section):
    return {label: values[0] for label, values in table(section).items()}


def test_inspections_planned_done_and_published(results, lead, as_user):
    got = table(sections(as_user(lead).get(f"{URL}?{PERIOD}"))["inspections"])
    # Routine, special, case-triggered, re-inspection, total.
    assert got == {
        "Planned": [2, 0, 0, 0, 2],
        "Done": [1, 0, 4, 1, 6],
        "Published": [1, 0, 2, 1, 4],
    }


def test_results_by_category_of_the_current_version(results, lead, as_user):
    got = numbers(sections(as_user(lead).get(f"{URL}?{PERIOD}"))["results"])
    assert got == {
        "No problem found": 1,
        "Problem found and corrected": 0,
        "Problem found, rectification ordered": 1,
        # Corrected from "corrected" to "penalty": the current version counts.
        "Referred for penalty": 1,
        "Withdrawn": 1,
        "Awaiting review": 2,
    }


def test_hazards_found_in_the_period_by_category_class_and_status(hazards, lead, as_user):
    found = sections(as_user(lead).get(f"{URL}?{PERIOD}"))
    # General, major, total.
    assert table(found["hazard_categories"]) == {
        "Fire safety": [1, 1, 2],
        "Food safety": [1, 0, 1],
        "Building safety": [0, 1, 1],
        "Medical and health": [0, 0, 0],
        "Service safety": [1, 0, 1],
        "Uncategorised": [1, 0, 1],
        "Total": [4, 2, 6],
    }
    assert table(found["hazard_statuses"]) == {
        "Registered": [1, 0, 1],
        "Rectifying": [0, 1, 1],
        "Awaiting verification": [0, 0, 0],
        "Closed": [2, 1, 3],
        "Overdue": [1, 0, 1],
        "Total": [4, 2, 6],
    }


def test_closure_on_time_and_overdue(hazards, lead, as_user):
    closure = sections(as_user(lead).get(f"{URL}?{PERIOD}"))["closure"]
    assert numbers(closure) == {
        "Closed in the period": 2,
        "Closed by the due date": 1,
        "Closed after the due date": 1,
        "On-time closure rate": 0.5,
        "Overdue now": 1,
    }
    assert closure.lines[3].cells[0].text == "50%"


def test_major_hazards_under_supervision(hazards, lead, as_user):
    majors = sections(as_user(lead).get(f"{URL}?{PERIOD}"))["majors"]
    assert numbers(majors) == {
        "Registered": 0,
        "Rectifying": 1,
        "Awaiting verification": 0,
        "Overdue": 0,
        "Open major hazards": 1,
    }


def test_progress_counts_what_was_open_at_each_months_end(hazards, lead, as_user):
    progress = sections(as_user(lead).get(f"{URL}?{PERIOD}"))["progress"]
    assert numbers(progress) == {
        "End of 2026-08": 3,  # h3, h5, h6
        "End of 2026-09": 5,  # h2, h3, h4 (closed 1 October locally), h5, h6
        "End of 2026-10": 5,  # h1, h2, h3, h6, h7 (closed in November)
        "Now": 4,  # h1, h2, h3, h6
    }


def test_trend_by_month_found_and_closed_in_local_months(hazards, lead, as_user):
    trend = sections(as_user(lead).get(f"{URL}?{PERIOD}"))["trend"]
    assert table(trend) == {
        "2026-08": [2, 0],
        "2026-09": [2, 0],
        "2026-10": [2, 2],
        "Total": [6, 2],
    }


def test_facilities_ranked_by_open_hazards(world, hazards, lead, as_user):
    ranked = sections(as_user(lead).get(f"{URL}?{PERIOD}"))["facilities"]
    # Open, major, overdue: most open first; the other county's facility is not there.
    assert table(ranked) == {
        world["facility"].name: [3, 1, 1],
        world["other_facility"].name: [1, 0, 0],
    }


def test_only_the_top_twenty_facilities_are_ranked(world, lead, as_user):
    for n in range(22):
        facility = add_facility(world["county"], 300 + n, f"排名养老院{n:02d}")
        for _ in range(1 + n % 3):
            make_hazard(facility, lead)
    ranked = sections(as_user(lead).get(URL))["facilities"]
    assert len(ranked.lines) == 20
    opens = [line.cells[0].value for line in ranked.lines]
    assert opens == sorted(opens, reverse=True)
    assert opens[0] == 3


@pytest.mark.parametrize("who", ["lead", "city_lead", "other_lead", "admin_user"])
def test_each_number_links_to_a_list_of_exactly_its_items(hazards, results, request, as_user, who):
    client = as_user(request.getfixturevalue(who))
    response = client.get(f"{URL}?{PERIOD}")
    html = response.content.decode()
    followed = 0
    for section in response.context["sections"]:
        for line in [*section.lines, *([section.total] if section.total else [])]:
            for cell in line.cells:
                if not isinstance(cell.value, int):
                    continue  # the rate links to the hazards closed on time
                if not cell.href:
                    assert cell.value == 0, (section.key, line.label)
                    continue
                assert cell.href.replace("&", "&amp;") in html
                listing = client.get(cell.href)
                assert listing.status_code == 200, cell.href
                count = listing.context["page"].paginator.count
                assert count == cell.value, (section.key, str(line.label), cell.href)
                followed += 1
    assert followed >= 10


def listed(client, href):
    return {item.pk for item in client.get(href).context["page"].object_list}


def cell(response, key, label, column=0):
    section = {s.key: s for s in response.context["sections"]}[key]
    line = next(line for line in [*section.lines, section.total] if str(line.label) == label)
    return line.cells[column]


def test_the_lists_behind_numbers_hold_those_very_items(hazards, results, lead, as_user):
    client = as_user(lead)
    response = client.get(f"{URL}?{PERIOD}")
    planned = cell(response, "inspections", "Planned", 4).href
    assert listed(client, planned) == {results["i1"].pk, results["i4"].pk}
    awaiting = cell(response, "results", "Awaiting review").href
    assert listed(client, awaiting) == {results["c2"].pk, results["c4"].pk}
    penalty = cell(response, "results", "Referred for penalty").href
    assert listed(client, penalty) == {results["c6"].pk}
    end_of_september = cell(response, "progress", "End of 2026-09").href
    assert listed(client, end_of_september) == {
        hazards[name].pk for name in ("h2", "h3", "h4", "h5", "h6")
    }
    late = cell(response, "closure", "Closed after the due date").href
    assert listed(client, late) == {hazards["h5"].pk}
    uncategorised = cell(response, "hazard_categories", "Uncategorised", 2).href
    assert listed(client, uncategorised) == {hazards["h4"].pk}
    closed_in_october = cell(response, "trend", "2026-10", 1).href
    assert listed(client, closed_in_october) == {hazards["h4"].pk, hazards["h5"].pk}


def test_a_region_narrows_every_section(world, hazards, results, city_lead, as_user):
    client = as_user(city_lead)
    everything = sections(client.get(f"{URL}?{PERIOD}"))
    assert table(everything["inspections"])["Done"][4] == 7
    assert numbers(everything["progress"])["Now"] == 5
    far = sections(client.get(f"{URL}?{PERIOD}&region=430603"))
    assert table(far["inspections"])["Done"] == [0, 0, 1, 0, 1]
    assert numbers(far["results"])["Problem found, rectification ordered"] == 1
    assert numbers(far["progress"]) == {
        "End of 2026-08": 0,
        "End of 2026-09": 1,
        "End of 2026-10": 1,
        "Now": 1,
    }
    assert table(far["facilities"]) == {world["far_facility"].name: [1, 1, 0]}


def test_the_region_chip_and_its_removal(hazards, city_lead, as_user):
    response = as_user(city_lead).get(f"{URL}?{PERIOD}&region=430603")
    chips = response.context["chips"]
    assert chips[0]["value"] == "云溪区"
    assert chips[0]["remove"] == PERIOD
    assert chips[1]["value"] == "2026-08 – 2026-10"
    assert chips[1]["remove"] == "region=430603"
    html = response.content.decode()
    assert f'href="?{PERIOD.replace("&", "&amp;")}"' in html


@pytest.mark.parametrize("region", ["430603", "430000", "999999"])
def test_a_region_outside_the_leads_scope_is_not_found(hazards, lead, as_user, region):
    assert as_user(lead).get(URL, {"region": region}).status_code == 404
    assert as_user(lead).get(XLSX, {"region": region}).status_code == 404


def test_the_current_year_to_date_is_the_default(world, lead, as_user):
    make_hazard(world["facility"], lead, found_on=timezone.localdate())
    response = as_user(lead).get(URL)
    today = timezone.localdate()
    assert response.context["month_from"] == f"{today.year}-01"
    assert response.context["month_to"] == today.strftime("%Y-%m")
    trend = table(sections(response)["trend"])
    assert len(trend) == today.month + 1
    assert trend[today.strftime("%Y-%m")][0] == 1
    # The default period has nothing to remove.
    assert response.context["chips"][1]["remove"] is None


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13", "to": "2026-10"},
        {"from": "abc"},
        {"to": "2026-1"},
        {"from": "2026-10", "to": "2026-08"},
        {"from": "2020-01", "to": "2026-10"},
    ],
)
def test_a_bad_period_shows_a_message_and_the_default(lead, as_user, query):
    response = as_user(lead).get(URL, query)
    assert response.status_code == 200
    assert response.context["error"]
    assert 'id="period-error" role="alert"' in response.content.decode()
    today = timezone.localdate()
    assert response.context["month_from"] == f"{today.year}-01"
    assert response.context["month_to"] == today.strftime("%Y-%m")


def test_one_month_given_keeps_the_default_for_the_other(lead, as_user):
    response = as_user(lead).get(URL, {"from": "2026-03"})
    assert not response.context["error"]
    assert response.context["month_from"] == "2026-03"
    assert response.context["month_to"] == timezone.localdate().strftime("%Y-%m")


def test_a_period_of_future_months_shows_no_month_yet(hazards, lead, as_user):
    today = timezone.localdate()
    year = today.year + 1
    got = sections(as_user(lead).get(URL, {"from": f"{year}-01", "to": f"{year}-03"}))
    assert table(got["trend"]) == {"Total": [0, 0]}
    assert list(numbers(got["progress"])) == ["Now"]


@pytest.mark.parametrize("who", ["inspector", "manager", "auditor"])
def test_other_roles_are_refused(world, request, as_user, who):
    client = as_user(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.get(XLSX).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in (URL, XLSX):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response["Location"]


def test_leads_find_it_in_the_menu_and_on_the_hazard_dashboard(lead, inspector, as_user):
    def menu(user):
        return [item["url"] for item in as_user(user).get("/").context["nav_items"]]

    assert URL in menu(lead)
    assert URL not in menu(inspector)
    assert f'href="{URL}"' in as_user(lead).get("/reports/dashboard/").content.decode()


def test_every_section_has_a_chart_and_a_captioned_table(hazards, results, lead, as_user):
    response = as_user(lead).get(f"{URL}?{PERIOD}")
    html = response.content.decode()
    got = sections(response)
    assert list(got) == [
        "inspections",
        "results",
        "hazard_categories",
        "hazard_statuses",
        "closure",
        "majors",
        "progress",
        "trend",
        "complaints",
        "complaint_facilities",
        "late_duties",
        "facilities",
    ]
    assert html.count('<svg class="chart"') == len(got)
    assert html.count('role="img"') >= len(got)
    for key in got:
        assert f'<caption id="{key}-caption"' in html


def test_the_chart_draws_the_tables_numbers(hazards, lead, as_user):
    got = sections(as_user(lead).get(f"{URL}?{PERIOD}"))
    trend = got["trend"]
    # Two bars a month (found, closed), the total row not drawn.
    assert [bar.text for bar in trend.chart.bars] == ["2", "0", "2", "0", "2", "2"]
    widths = [float(bar.width) for bar in trend.chart.bars]
    assert widths[0] == widths[2] == max(widths) and widths[1] == 0
    assert "2026-10: Found 2, Closed 2" in trend.chart.summary
    assert [tone for tone, _label in trend.chart.legend] == ["blue", "green"]
    closure = got["closure"]
    # The rate is in the table, not drawn as a bar.
    assert [bar.text for bar in closure.chart.bars] == ["2", "1", "1", "1"]
    inspections = got["inspections"]
    assert len(inspections.chart.bars) == 3  # the totals of planned, done, published


@pytest.mark.parametrize("count", [2, 10])
def test_the_overview_costs_a_fixed_number_of_queries(
    count, world, lead, city_lead, as_user, published_template, django_assert_max_num_queries
):
    plan = make_plan(
        world,
        lead,
        published_template,
        window_start=date(2026, 9, 1),
        window_end=date(2026, 9, 30),
    )
    for n in range(count):
        county = Region.objects.create(
            code=f"4306{n + 10:02d}", name=f"测试县{n}", parent=world["city"]
        )
        facility = add_facility(county, 100 + n, f"测试养老院{n}")
        make_hazard(facility, lead, severity="major", category="fire")
        make_hazard(facility, lead, status="closed", closed_at=local(2026, 10, 3, 9))
        here = add_facility(world["county"], 200 + n, f"岳阳楼区测试养老院{n}")
        make_hazard(here, lead, status="overdue", found_on=date(2026, 9, 3))
        inspection(here, kind="routine", status="scheduled", plan=plan)
        publish(inspection(here, finished_at=local(2026, 10, 2 + n % 20, 10)), lead, "ordered")
    cases = ((lead, PERIOD), (city_lead, PERIOD), (city_lead, f"{PERIOD}&region=430602"))
    for user, query in cases:
        client = as_user(user)
        # One grouped query per section family: +1 for the facilities' late duties.
        # 16: the lead's region ids are resolved once per request (registry.access.region_q).
        with django_assert_max_num_queries(16):
            response = client.get(f"{URL}?{query}")
        assert response.status_code == 200
        with django_assert_max_num_queries(14):  # the same region ids
            assert client.get(f"{XLSX}?{query}").status_code == 200
    assert len(sections(response)["facilities"].lines) >= count


def workbook(client, query):
    response = client.get(f"{XLSX}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert 'filename="overview-' in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_the_workbook_holds_the_pages_numbers(hazards, results, lead, as_user):
    client = as_user(lead)
    page = client.get(f"{URL}?{PERIOD}")
    book = workbook(client, PERIOD)
    assert len(book.sheetnames) == 1 + len(page.context["sections"])
    filters = {row[0]: row[1] for row in book[book.sheetnames[0]].iter_rows(values_only=True)}
    assert filters["From"] == "2026-08" and filters["To"] == "2026-10"
    assert filters["Region"] == "All my regions"
    for name, section in zip(book.sheetnames[1:], page.context["sections"], strict=True):
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == [str(section.head), *map(str, section.columns)]
        expected = {label: values for label, values in table(section).items()}
        got = {row[0]: list(row[1:]) for row in rows[1:]}
        assert got == expected, section.key
    closure = book[book.sheetnames[1 + 4]]
    rate = next(row for row in closure.iter_rows() if row[0].value == "On-time closure rate")
    assert rate[1].value == 0.5 and rate[1].number_format == "0%"


def test_the_workbook_follows_the_region(world, hazards, city_lead, as_user):
    book = workbook(as_user(city_lead), f"{PERIOD}&region=430603")
    filters = {row[0]: row[1] for row in book[book.sheetnames[0]].iter_rows(values_only=True)}
    assert filters["Region"] == "云溪区"
    ranked = list(book[book.sheetnames[-1]].iter_rows(values_only=True))
    assert ranked[1:] == [(world["far_facility"].name, 1, 1, 0)]


def test_the_workbook_neutralises_formulas(world, lead, as_user):
    sneaky = add_facility(world["county"], 70, '=HYPERLINK("http://x","y")')
    make_hazard(sneaky, lead)
    book = workbook(as_user(lead), "")
    ranked = list(book[book.sheetnames[-1]].iter_rows(values_only=True))
    assert ranked[1][0] == '\'=HYPERLINK("http://x","y")'


def test_a_long_name_is_cut_in_the_chart_and_whole_in_the_table(world, lead, as_user):
    name = "岳阳楼区" + "长" * 30 + "养老院"
    make_hazard(add_facility(world["county"], 80, name), lead)
    ranked = sections(as_user(lead).get(URL))["facilities"]
    assert ranked.lines[0].label == name
    (_y, label), *_rest = ranked.chart.labels
    assert label.endswith("…") and len(label) <= 22 and name.startswith(label[:-1])
    assert name in ranked.chart.summary
