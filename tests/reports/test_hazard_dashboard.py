"""The bureau lead's dashboard of the hazard register: numbers per row and in total,
the month, filters, sorting, rows by facility, the links to the list, scope, roles
and a fixed number of queries."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from registry.models import Region, User
from tests.conftest import add_facility
from tests.inspections.conftest import make_hazard

URL = "/reports/dashboard/"
NOVEMBER = "month=2026-11"
COLUMNS = ("open", "overdue", "closed", "rate", "major")


def local(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def city_lead(world):
    user = User.objects.create_user(username="city_lead", password="x", role=User.Role.LEAD)
    user.regions.set([world["city"]])
    return user


@pytest.fixture
def register(world, lead, other_lead):
    """Hazards with closures around November 2026 (Asia/Shanghai), and a facility
    of the county with none."""
    here, there, far = world["facility"], world["other_facility"], world["far_facility"]
    civil, fire = "civil_affairs", "fire_rescue"
    make_hazard(here, lead, department=civil)
    make_hazard(here, lead, department=civil, status="overdue")
    make_hazard(here, lead, department=civil, severity="major", status="rectifying")
    closed = {"status": "closed", "department": civil}
    make_hazard(here, lead, **closed, closed_at=local(2026, 11, 5, 10), due_on=date(2026, 11, 10))
    # Late: 00:30 on the 10th locally is still the 9th in UTC, the due date.
    make_hazard(
        here, lead, **closed, closed_at=local(2026, 11, 10, 0, 30), due_on=date(2026, 11, 9)
    )
    # December locally, though still November in UTC.
    make_hazard(
        here,
        lead,
        **closed,
        severity="major",
        closed_at=local(2026, 12, 1, 0, 30),
        due_on=date(2026, 12, 1),
    )
    make_hazard(there, lead, department=fire, severity="major", status="overdue")
    make_hazard(
        there,
        lead,
        department=fire,
        status="closed",
        closed_at=local(2026, 11, 30, 23, 30),
        due_on=date(2026, 12, 5),
    )
    make_hazard(there, lead, department=fire, status="awaiting_verification")
    make_hazard(far, other_lead, severity="major")
    make_hazard(
        far,
        other_lead,
        status="closed",
        closed_at=local(2026, 11, 20, 9),
        due_on=date(2026, 11, 25),
    )
    return add_facility(world["county"], 50, "岳阳楼区安宁养老院")


def numbers(row):
    return {
        cell["column"]: cell["text"] if cell["column"] == "rate" else cell["count"]
        for cell in row.cells
    }


def table(response):
    assert response.status_code == 200
    rows = {row.name: numbers(row) for row in response.context["page"]}
    return rows, numbers(response.context["total"])


def expected(open_, overdue, closed, rate, major):
    return dict(zip(COLUMNS, (open_, overdue, closed, rate, major), strict=True))


def test_it_counts_each_facility_and_the_total(world, register, lead, as_user):
    rows, total = table(as_user(lead).get(f"{URL}?{NOVEMBER}"))
    assert rows == {
        world["facility"].name: expected(3, 1, 2, "50%", 1),
        world["other_facility"].name: expected(2, 1, 1, "100%", 1),
        register.name: expected(0, 0, 0, "—", 0),
    }
    assert total == expected(5, 2, 3, "67%", 2)


def test_a_city_lead_sees_a_row_per_county_including_everything_below(
    world, register, city_lead, as_user
):
    response = as_user(city_lead).get(f"{URL}?{NOVEMBER}")
    rows, total = table(response)
    assert response.context["by"] == "region"
    assert rows == {
        world["county"].name: expected(5, 2, 3, "67%", 2),
        world["other_county"].name: expected(1, 0, 1, "100%", 1),
    }
    assert total == expected(6, 2, 4, "75%", 3)


def test_rows_by_facility_on_request(world, register, city_lead, as_user):
    response = as_user(city_lead).get(f"{URL}?{NOVEMBER}&by=facility")
    rows, total = table(response)
    assert response.context["by"] == "facility"
    assert set(rows) == {
        world["facility"].name,
        world["other_facility"].name,
        world["far_facility"].name,
        register.name,
    }
    assert rows[world["far_facility"].name] == expected(1, 0, 1, "100%", 1)
    assert total == expected(6, 2, 4, "75%", 3)


def test_a_facility_directly_in_the_city_is_a_row_beside_the_counties(
    world, register, city_lead, lead, as_user
):
    in_city = add_facility(world["city"], 60, "岳阳市社会福利院")
    make_hazard(in_city, lead, status="overdue")
    rows, total = table(as_user(city_lead).get(f"{URL}?{NOVEMBER}"))
    assert rows[in_city.name] == expected(1, 1, 0, "—", 0)
    assert total == expected(7, 3, 4, "75%", 3)


def test_closures_are_counted_in_the_chosen_local_month(world, register, lead, as_user):
    client = as_user(lead)
    _rows, december = table(client.get(f"{URL}?month=2026-12"))
    assert december == expected(5, 2, 1, "100%", 2)
    rows, october = table(client.get(f"{URL}?month=2026-10"))
    assert october == expected(5, 2, 0, "—", 2)
    assert rows[world["facility"].name]["rate"] == "—"


def test_the_current_month_is_the_default(world, lead, as_user):
    make_hazard(world["facility"], lead, status="closed", closed_at=timezone.now())
    response = as_user(lead).get(URL)
    assert response.context["month"] == timezone.localdate().strftime("%Y-%m")
    assert table(response)[1]["closed"] == 1


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1", "0000-01", "2026-11-01"])
def test_a_bad_month_shows_an_error_and_the_current_month(world, lead, as_user, month):
    make_hazard(world["facility"], lead, status="closed", closed_at=timezone.now())
    response = as_user(lead).get(URL, {"month": month})
    assert response.status_code == 200
    assert response.context["month_error"]
    assert 'id="month-error"' in response.content.decode()
    assert response.context["month"] == timezone.localdate().strftime("%Y-%m")
    assert table(response)[1]["closed"] == 1


def test_the_department_filter(world, register, lead, as_user):
    response = as_user(lead).get(f"{URL}?{NOVEMBER}&department=fire_rescue")
    rows, total = table(response)
    assert total == expected(2, 1, 1, "100%", 1)
    assert rows[world["facility"].name] == expected(0, 0, 0, "—", 0)
    assert [value for value, _label in response.context["departments"]] == [
        "civil_affairs",
        "fire_rescue",
    ]


def test_an_unknown_department_is_ignored(register, lead, as_user):
    _rows, total = table(as_user(lead).get(f"{URL}?{NOVEMBER}&department=nobody"))
    assert total == expected(5, 2, 3, "67%", 2)


@pytest.mark.parametrize(
    ("severity", "totals"),
    [("major", expected(2, 1, 0, "—", 2)), ("general", expected(3, 1, 3, "67%", 0))],
)
def test_the_class_filter(register, lead, as_user, severity, totals):
    _rows, total = table(as_user(lead).get(f"{URL}?{NOVEMBER}&severity={severity}"))
    assert total == totals


def sort_value(row, column):
    if column == "name":
        return row.name
    if column == "rate":
        return row.rate
    return getattr(row, column)


@pytest.mark.parametrize("column", ["name", "open", "overdue", "closed", "rate", "major"])
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways(register, lead, as_user, column, descending):
    order = f"-{column}" if descending else column
    response = as_user(lead).get(f"{URL}?{NOVEMBER}&sort={order}")
    values = [sort_value(row, column) for row in response.context["page"]]
    rated = [v for v in values if v is not None]
    assert len(set(values)) > 1
    assert rated == sorted(rated, reverse=descending)
    # Rows without a rate go last whichever way.
    assert values == rated + [None] * (len(values) - len(rated))
    header = next(c for c in response.context["columns"] if c["name"] == column)
    assert header["aria_sort"] == ("descending" if descending else "ascending")
    # The header reverses the order and keeps the month.
    assert f"sort={column if descending else '-' + column}" in header["query"]
    assert "month=2026-11" in header["query"]


def test_the_default_order_is_most_open_first(world, register, lead, as_user):
    response = as_user(lead).get(f"{URL}?{NOVEMBER}")
    assert [row.name for row in response.context["page"]] == [
        world["facility"].name,
        world["other_facility"].name,
        register.name,
    ]


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("lead", NOVEMBER),
        ("lead", f"{NOVEMBER}&department=fire_rescue"),
        ("lead", f"{NOVEMBER}&severity=major"),
        ("lead", f"{NOVEMBER}&severity=general&department=civil_affairs"),
        ("city_lead", NOVEMBER),
        ("city_lead", f"{NOVEMBER}&by=facility"),
        ("other_lead", NOVEMBER),
    ],
)
def test_each_number_links_to_a_list_of_exactly_its_hazards(register, request, as_user, who, query):
    client = as_user(request.getfixturevalue(who))
    response = client.get(f"{URL}?{query}")
    html = response.content.decode()
    followed = 0
    for row in [*response.context["page"], response.context["total"]]:
        for cell in row.cells:
            if not cell["href"]:
                assert cell["count"] == 0
                continue
            assert cell["href"].replace("&", "&amp;") in html
            listing = client.get(cell["href"])
            assert listing.status_code == 200
            assert listing.context["page"].paginator.count == cell["count"], cell
            followed += 1
    assert followed >= 4


def test_the_other_countys_lead_sees_none_of_these_hazards(world, register, other_lead, as_user):
    rows, total = table(as_user(other_lead).get(f"{URL}?{NOVEMBER}"))
    assert rows == {world["far_facility"].name: expected(1, 0, 1, "100%", 1)}
    assert total == expected(1, 0, 1, "100%", 1)


def test_an_administrator_sees_the_province(world, register, admin_user, as_user):
    rows, total = table(as_user(admin_user).get(f"{URL}?{NOVEMBER}"))
    assert rows == {world["city"].name: expected(6, 2, 4, "75%", 3)}
    assert total == rows[world["city"].name]


@pytest.mark.parametrize("who", ["inspector", "manager", "auditor"])
def test_other_roles_are_refused(world, request, as_user, who):
    assert as_user(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_leads_find_it_in_the_menu(lead, inspector, as_user):
    def menu(user):
        return [item["url"] for item in as_user(user).get("/").context["nav_items"]]

    assert URL in menu(lead)
    assert URL not in menu(inspector)


def test_the_table_scrolls_inside_its_own_wrapper(register, lead, as_user):
    html = as_user(lead).get(URL).content.decode()
    assert '<div class="table-wrap"' in html
    assert html.index('<div class="table-wrap"') < html.index('<table class="table dashboard">')


@pytest.mark.parametrize("count", [2, 10])
def test_the_dashboard_costs_a_fixed_number_of_queries(
    count, world, city_lead, lead, as_user, django_assert_max_num_queries
):
    for n in range(count):
        county = Region.objects.create(
            code=f"4306{n + 10:02d}", name=f"测试县{n}", parent=world["city"]
        )
        facility = add_facility(county, 100 + n, f"测试养老院{n}")
        make_hazard(facility, lead, severity="major")
        make_hazard(facility, lead, status="closed", closed_at=local(2026, 11, 3, 9))
        here = add_facility(world["county"], 200 + n, f"岳阳楼区测试养老院{n}")
        make_hazard(here, lead, status="overdue")
    for user, by in ((lead, "region"), (city_lead, "region"), (city_lead, "facility")):
        client = as_user(user)
        # 10: the lead's region ids are resolved once per request (registry.access.region_q).
        with django_assert_max_num_queries(10):
            response = client.get(f"{URL}?{NOVEMBER}&by={by}")
        assert response.status_code == 200
        assert len(response.context["page"]) >= count
