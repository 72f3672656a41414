"""The public site's results (一公开): search, a result's page with its corrections and
chosen photos, withdrawal notices, facilities' pages and the open data, all without
logging in, and nothing unpublished on any public URL."""

import csv
import io
import itertools
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections.hazards import services as hazard_services
from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Photo
from inspections.planning import services as planning_services
from inspections.publication import services as publication_services
from registry.models import Region
from reports import urls as public_urls
from reports.views import RESULT_COLUMNS
from tests import snapshots
from tests.conftest import add_facility
from tests.enforcement.helpers import case_behind
from tests.inspections.conftest import finish_case as finish
from tests.inspections.test_onsite import jpeg

SHANGHAI = ZoneInfo("Asia/Shanghai")


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def text(response):
    return body(response).decode()


def publish(inspection, lead, **kwargs):
    publication = inspection.publication
    publication_services.publication_publish(publication=publication, by=lead, **kwargs)
    publication.refresh_from_db()
    return publication


@pytest.fixture
def team(inspector, inspector2):
    return (inspector, inspector2)


@pytest.fixture
def township(world):
    return Region.objects.create(code="430602001", name="洞庭街道", parent=world["county"])


@pytest.fixture
def public_home(world):
    return add_facility(world["county"], 50, "岳阳楼区公开示范养老院", star_level=4)


@pytest.fixture
@snapshots.kept
def published(public_home, onsite_template, team, lead):
    """A published result of ``public_home`` showing one chosen photo of two."""
    inspection = finish(public_home, onsite_template, team, fail=("S-01", "S-02"))
    chosen = inspection.photos.order_by("pk").first()
    return publish(
        inspection, lead, follow_up="责令限期整改。", photos=[chosen], no_person_confirmed=True
    )


# ---------------------------------------------------------------- nothing unpublished


@pytest.fixture
@snapshots.kept
def unpublished(world, finished, onsite_template, team, lead):
    """A pending result (the world's facility) and a returned one (the other facility)."""
    returned = finish(world["other_facility"], onsite_template, team).publication
    publication_services.publication_return(publication=returned, by=lead, reason="请补充整改情况")
    publication_services.publication_resubmit(
        publication=returned, by=team[0], category="ordered", follow_up="未公开的跟进说明"
    )
    publication_services.publication_return(publication=returned, by=lead, reason="仍不完整")
    returned.refresh_from_db()
    return {"pending": finished.publication, "returned": returned}


def _public_patterns():
    for pattern in public_urls.urlpatterns:
        yield pattern.name, sorted(pattern.pattern.converters)


def test_nothing_unpublished_is_reachable_on_any_public_url(client, world, published, unpublished):
    pending, returned = unpublished["pending"], unpublished["returned"]
    hidden_photos = list(
        Photo.objects.exclude(pk__in=published.current.content["photos"]).order_by("pk")
    )
    assert len(hidden_photos) >= 4, "photos of both unpublished results and one not chosen"
    secrets = [
        world["facility"].name,
        world["facility"].credit_code,
        world["other_facility"].name,
        world["other_facility"].credit_code,
        "未公开的跟进说明",
    ]
    hidden_bytes = {photo.preview.open("rb").read() for photo in hidden_photos}
    candidates = {
        "pk": [
            pending.pk,
            returned.pk,
            999_999,
            world["facility"].pk,
            world["other_facility"].pk,
            *[photo.pk for photo in hidden_photos],
        ],
        "number": [1, 2],
        "photo_pk": [photo.pk for photo in hidden_photos],
    }
    walked = set()
    for name, params in _public_patterns():
        for values in itertools.product(*(candidates[p] for p in params)):
            url = reverse(f"reports:{name}", kwargs=dict(zip(params, values, strict=True)))
            response = client.get(url)
            assert response.status_code in (200, 302, 404), url
            content = body(response)
            assert content not in hidden_bytes, f"an unpublished photo at {url}"
            page = content.decode(errors="replace")
            for secret in secrets:
                assert secret not in page, f"{secret} at {url}"
            walked.add(name)
    assert {"result_detail", "result_photo", "facility_detail", "results_csv"} <= walked

    def status(name, *args):
        return client.get(reverse(f"reports:{name}", args=args)).status_code

    for publication in (pending, returned):
        assert status("result_detail", publication.pk) == 404
        assert status("result_version", publication.pk, 1) == 404
        for photo in publication.inspection.photos.all():
            assert status("result_photo", publication.pk, photo.pk) == 404
            assert status("result_photo", published.pk, photo.pk) == 404
    unchosen = published.inspection.photos.exclude(pk__in=published.current.content["photos"])
    assert unchosen.exists()
    for photo in unchosen:
        assert status("result_photo", published.pk, photo.pk) == 404
    assert status("facility_detail", world["facility"].pk) == 404
    assert status("facility_detail", world["other_facility"].pk) == 404
    # The published one is there: the checks above can fail.
    assert status("result_detail", published.pk) == 200
    assert published.current.content["facility"]["name"] in text(
        client.get(reverse("reports:results_csv"))
    )


def test_the_public_site_needs_no_log_in(client, published):
    urls = [
        reverse("reports:index"),
        reverse("reports:plan_list"),
        reverse("reports:result_list"),
        reverse("reports:result_detail", args=[published.pk]),
        reverse("reports:result_version", args=[published.pk, 1]),
        reverse("reports:facility_detail", args=[published.inspection.facility_id]),
        reverse("reports:results_csv"),
        reverse("reports:results_json"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    page = text(client.get(reverse("reports:index")))
    assert published.current.content["facility"]["name"] in page
    for name in ("result_list", "plan_list", "results_csv", "results_json"):
        assert reverse(f"reports:{name}") in page


def test_a_logged_in_user_sees_the_public_layout_without_the_staff_menu(published, lead, as_user):
    page = text(as_user(lead).get(reverse("reports:result_detail", args=[published.pk])))
    assert published.current.content["facility"]["name"] in page
    assert 'class="menu"' not in page
    assert reverse("inspections:hazard_list") not in page


# ---------------------------------------------------------------- a result's page


def test_a_result_page_shows_the_published_record(client, published, public_home):
    response = client.get(reverse("reports:result_detail", args=[published.pk]))
    page = text(response)
    content = published.current.content
    assert public_home.name in page and public_home.credit_code in page
    assert content["authority"] and content["authority"] in page
    assert "责令限期整改。" in page
    assert content["inspected_on"] in page
    assert reverse("reports:facility_detail", args=[public_home.pk]) in page
    # No inspector's name or credential, no resident, no staff contact.
    for member in published.inspection.team.select_related("inspector__user"):
        assert member.inspector.user.display_name not in page
        assert member.inspector.credential_no not in page


def test_the_hazard_counts_follow_the_hazards_as_they_close(
    client, finished, lead, manager, inspector
):
    publication = publish(finished, lead)
    url = reverse("reports:result_detail", args=[publication.pk])

    def counts():
        rows = client.get(url).context["count_rows"]
        return {row["severity"]: (row["open"], row["closed"]) for row in rows}

    def csv_counts():
        (row,) = csv.DictReader(
            io.StringIO(text(client.get("/public/results.csv")).lstrip("\ufeff"))
        )
        return [row[k] for k in ("general_open", "general_closed", "major_open", "major_closed")]

    assert counts() == {"general": (1, 0), "major": (1, 0)}
    assert csv_counts() == ["1", "0", "1", "0"]
    general = finished.hazards.get(item_code="S-01")
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    hazard_services.rectification_submit(
        hazard=general, description="已清理通道", by=manager, uploads=[jpeg()]
    )
    hazard_services.rectification_verify(hazard=general, accept=True, by=lead)

    assert counts() == {"general": (0, 1), "major": (1, 0)}
    assert csv_counts() == ["0", "1", "1", "0"]
    assert publication.versions.count() == 1, "closing a hazard publishes no new version"


def test_a_photo_is_shown_only_when_the_lead_chose_it(client, finished, lead):
    chosen, other = finished.photos.order_by("pk")[:2]
    publication = publish(finished, lead, photos=[chosen], no_person_confirmed=True)
    chosen_url = reverse("reports:result_photo", args=[publication.pk, chosen.pk])
    other_url = reverse("reports:result_photo", args=[publication.pk, other.pk])

    page = text(client.get(reverse("reports:result_detail", args=[publication.pk])))
    assert chosen_url in page and other_url not in page
    response = client.get(chosen_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = body(response)
    assert served == chosen.preview.storage.open(chosen.public_name).read()
    # A preview-sized copy, neither the original nor the staff preview stamped with a name.
    assert served not in (chosen.original.open("rb").read(), chosen.preview.open("rb").read())
    assert client.get(other_url).status_code == 404

    # A correction without the photo takes it down, from the earlier version's page too.
    publication_services.publication_correct(
        publication=publication, by=lead, reason="照片不宜公开", photos=[]
    )
    assert client.get(chosen_url).status_code == 404
    old = text(client.get(reverse("reports:result_version", args=[publication.pk, 1])))
    assert chosen_url not in old


def test_a_correction_shows_the_current_version_and_the_history(client, finished, lead):
    publication = publish(finished, lead, follow_up="第一版跟进说明")
    case_behind(finished, lead)
    publication_services.publication_correct(
        publication=publication,
        by=lead,
        reason="结果类别有误",
        category="penalty",
        follow_up="第二版跟进说明",
    )
    detail = reverse("reports:result_detail", args=[publication.pk])
    first = reverse("reports:result_version", args=[publication.pk, 1])

    page = text(client.get(detail))
    assert "第二版跟进说明" in page and "第一版跟进说明" not in page
    assert "结果类别有误" in page and first in page
    old = client.get(first)
    assert old.context["version"].number == 1
    old_page = text(old)
    assert "第一版跟进说明" in old_page and "第二版跟进说明" not in old_page
    assert detail in old_page, "the old version links to the current one"
    assert (
        client.get(reverse("reports:result_version", args=[publication.pk, 2])).status_code == 200
    )
    assert (
        client.get(reverse("reports:result_version", args=[publication.pk, 3])).status_code == 404
    )

    (row,) = json.loads(text(client.get("/public/results.json")))
    assert (row["version"], row["category"], row["follow_up"]) == (2, "penalty", "第二版跟进说明")


def test_a_withdrawn_result_keeps_only_its_notice(client, finished, lead):
    chosen = finished.photos.first()
    publication = publish(
        finished, lead, follow_up="撤回前的跟进说明", photos=[chosen], no_person_confirmed=True
    )
    publication_services.publication_withdraw(
        publication=publication, by=lead, reason="检查对象有误"
    )
    publication.refresh_from_db()

    response = client.get(reverse("reports:result_detail", args=[publication.pk]))
    page = text(response)
    assert response.status_code == 200
    assert "检查对象有误" in page
    assert publication.withdrawn_at.astimezone(SHANGHAI).strftime("%Y-%m-%d") in page
    assert "撤回前的跟进说明" not in page
    assert finished.facility.credit_code not in page
    version = client.get(reverse("reports:result_version", args=[publication.pk, 1]))
    assert version.status_code == 302 and version["Location"] == reverse(
        "reports:result_detail", args=[publication.pk]
    )
    photo = reverse("reports:result_photo", args=[publication.pk, chosen.pk])
    assert client.get(photo).status_code == 404

    (row,) = json.loads(text(client.get("/public/results.json")))
    assert row["status"] == "withdrawn" and row["withdrawn_reason"] == "检查对象有误"
    assert row["category"] is None and row["follow_up"] is None and row["authority"] is None
    assert row["general_open"] is None
    assert "撤回前的跟进说明" not in text(client.get("/public/results.csv"))
    listing = client.get(reverse("reports:result_list"))
    assert [p.pk for p in listing.context["page"]] == [publication.pk]
    # Its category is no longer public: filtering by it does not find it.
    by_category = client.get(reverse("reports:result_list"), {"category": "ordered"})
    assert list(by_category.context["page"]) == []


# ---------------------------------------------------------------- search


@pytest.fixture
@snapshots.kept
def several(world, township, onsite_template, team, lead):
    """Three published results: a county facility on 12 Oct (ordered), a township one
    on 20 Oct (corrected), and another county facility on 3 Nov (penalty)."""
    homes = [
        add_facility(world["county"], 61, "岳阳楼区金色年华养老院"),
        add_facility(township, 62, "洞庭街道幸福院"),
        add_facility(world["county"], 63, "岳阳楼区松柏护理院"),
    ]
    dates = [datetime(2026, 10, 12), datetime(2026, 10, 20), datetime(2026, 11, 3)]
    categories = ["ordered", "corrected", "penalty"]
    results = []
    for home, day, category in zip(homes, dates, categories, strict=True):
        inspection = finish(home, onsite_template, team, on=day.date())
        if category == "corrected":
            # Fixed and verified since (test setup): the category needs every hazard closed.
            for hazard in inspection.hazards.all():
                hazard.status = Hazard.Status.CLOSED
                hazard.save()
        if category == "penalty":
            case_behind(inspection, lead)
        results.append(publish(inspection, lead, category=category))
    return results


def found(client, **params):
    response = client.get(reverse("reports:result_list"), params)
    assert response.status_code == 200
    return [p.pk for p in response.context["page"]]


def test_the_search_filters_by_region_facility_date_and_result(client, world, several):
    october, township, november = several
    assert found(client) == [november.pk, township.pk, october.pk], "newest first"
    assert found(client, region="430602") == [november.pk, township.pk, october.pk]
    assert found(client, region="430602001") == [township.pk]
    assert found(client, region="430600") == [november.pk, township.pk, october.pk]
    assert found(client, region="430603") == []
    assert found(client, facility="松柏") == [november.pk]
    code = november.inspection.facility.credit_code
    assert found(client, facility=code.lower()) == [november.pk]
    assert found(client, date_from="2026-10-13") == [november.pk, township.pk]
    assert found(client, date_to="2026-10-20") == [township.pk, october.pk]
    assert found(client, date_from="2026-10-13", date_to="2026-10-31") == [township.pk]
    assert found(client, category="penalty") == [november.pk]
    # The region choices: regions with results and those above them.
    codes = [code for code, _selected, _name in region_choices(client)]
    assert codes == ["430000", "430600", "430602", "430602001"]
    # The region searched is the one chosen; an address naming none chooses nothing.
    chosen = region_choices(client, region="430602")
    assert [code for code, selected, _name in chosen if selected] == ["430602"]
    odd = region_choices(client, region='430602"><script>')
    assert not [code for code, selected, _name in odd if selected]
    page = text(client.get(reverse("reports:result_list"), {"region": "<script>"}))
    assert "<script>" not in page


def region_choices(client, **params):
    """The search form's regions as shown: (code, selected, name without the indent)."""
    page = text(client.get(reverse("reports:result_list"), params))
    select = page.split('<select id="region"')[1].split("</select>")[0]
    return [
        (code, bool(selected), name.lstrip("\u3000"))
        for code, selected, name in re.findall(
            r'<option value="(\d+)"( selected)?>([^<]*)</option>', select
        )
    ]


def test_the_region_choices_are_kept_until_something_changes(client, world, several, admin_user):
    """The search's region list is read from the results once, then from the shared
    cache; a renamed region (a new history row) shows at the next page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.audited import save_with_history

    client.get(reverse("reports:result_list"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("reports:result_list"))
    assert not [q for q in captured if "DISTINCT" in q["sql"].upper()]
    county = world["county"]
    county.name = "岳阳楼新区"
    save_with_history(county, by=admin_user)
    names = {code: name for code, _selected, name in region_choices(client)}
    assert names["430602"] == "岳阳楼新区"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-11-01", "date_to": "2026-10-01"}, "date_to"),
        ({"region": "999999"}, "region"),
        ({"category": "secret"}, "category"),
    ],
)
def test_bad_search_input_gets_a_message_not_an_error(client, several, params, field):
    response = client.get(reverse("reports:result_list"), params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="{field}-error"' in text(response)
    assert list(response.context["page"]) == []
    for name in ("results_csv", "results_json"):
        download = client.get(reverse(f"reports:{name}"), params)
        assert download.status_code == 400
        assert field in download.json()["errors"]


def test_the_downloads_filter_by_region_and_date(client, several):
    october, township, november = several
    rows = json.loads(text(client.get("/public/results.json", {"region": "430602001"})))
    assert [row["publication_id"] for row in rows] == [township.pk]
    rows = list(
        csv.DictReader(
            io.StringIO(
                text(
                    client.get(
                        "/public/results.csv", {"date_from": "2026-10-01", "date_to": "2026-10-31"}
                    )
                ).lstrip("\ufeff")
            )
        )
    )
    assert [int(row["publication_id"]) for row in rows] == [township.pk, october.pk]


# ---------------------------------------------------------------- open data


def test_the_downloads_have_the_documented_columns(client, published, public_home):
    response = client.get("/public/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    raw = text(response)
    assert raw.startswith("\ufeff"), "Excel opens it as UTF-8"
    (row,) = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert list(row) == RESULT_COLUMNS
    assert row["facility_name"] == public_home.name
    assert row["facility_credit_code"] == public_home.credit_code
    assert row["facility_type"] == "care_home" and row["region_code"] == "430602"
    assert row["status"] == "published" and row["version"] == "1"
    assert row["url"] == f"http://testserver/public/results/{published.pk}/"
    (item,) = json.loads(text(client.get("/public/results.json")))
    assert list(item) == RESULT_COLUMNS
    assert item["general_open"] == 1 and item["major_open"] == 1
    assert item["inspected_on"] == published.current.inspected_on.isoformat()


def test_csv_cells_that_look_like_formulas_are_neutralised(client, finished, lead):
    publish(finished, lead, follow_up='=HYPERLINK("http://evil.example","点击")')
    (row,) = csv.DictReader(io.StringIO(text(client.get("/public/results.csv")).lstrip("\ufeff")))
    assert row["follow_up"] == '\'=HYPERLINK("http://evil.example","点击")'
    (item,) = json.loads(text(client.get("/public/results.json")))
    assert item["follow_up"].startswith("=HYPERLINK"), "JSON keeps the text as it is"


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        body(response)
    assert response.status_code == 200
    return len(queries)


def test_the_list_and_the_downloads_take_a_fixed_number_of_queries(
    client, world, several, onsite_template, team, lead, django_assert_max_num_queries
):
    urls = [
        (reverse("reports:result_list"), {"region": "430602", "date_from": "2026-01-01"}),
        (reverse("reports:index"), None),
        (reverse("reports:results_csv"), {"region": "430602"}),
        (reverse("reports:results_json"), None),
        (reverse("reports:facility_detail", args=[several[0].inspection.facility_id]), None),
    ]
    before = [count_queries(client, url, params) for url, params in urls]
    home = several[0].inspection.facility
    for _ in range(2):
        publish(finish(home, onsite_template, team), lead)
    after = [count_queries(client, url, params) for url, params in urls]
    assert after == before
    for url, params in urls:
        # The facility page also reads the penalties recorded in enforcement.
        limit = 7 if url == urls[-1][0] else 6
        with django_assert_max_num_queries(limit):
            body(client.get(url, params or {}))


# ---------------------------------------------------------------- facilities


def test_a_facility_page_shows_its_type_stars_and_published_results(client, published, public_home):
    public_home.responsible_person = "欧阳负责人"
    public_home.phone = "0730-8888888"
    public_home.save()
    response = client.get(reverse("reports:facility_detail", args=[public_home.pk]))
    page = text(response)
    assert public_home.name in page and public_home.region.name in page
    assert str(public_home.get_type_display()) in page
    assert "★★★★" in page and "★★★★★" not in page
    assert reverse("reports:result_detail", args=[published.pk]) in page
    assert "欧阳负责人" not in page and "0730-8888888" not in page
    assert public_home.address not in page


def test_an_unrated_facility_says_so(client, world, finished, lead):
    publish(finished, lead)
    response = client.get(reverse("reports:facility_detail", args=[world["facility"].pk]))
    assert response.status_code == 200
    assert "★" not in text(response)


def test_a_facility_without_a_public_result_has_no_page(client, world, finished):
    assert (
        client.get(reverse("reports:facility_detail", args=[world["facility"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("reports:facility_detail", args=[world["far_facility"].pk])).status_code
        == 404
    )


# ---------------------------------------------------------------- where a result came from


@pytest.fixture
def drawn_result(world, lead, published_template, county_facilities, pool):
    """A published result of an unannounced routine inspection chosen by a draw."""
    from tests.inspections.conftest import make_plan

    plan = planning_services.plan_approve(
        plan=make_plan(world, lead, published_template, notice="unannounced"), by=lead
    )
    draw = planning_services.draw_freeze(plan=plan, by=lead)
    draw = planning_services.draw_run(draw=draw, public_entropy="7", source="test", by=lead)
    inspection = draw.inspections.order_by("pk").first()
    members = [m.inspector.user for m in inspection.team.filter(active=True)]
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=SHANGHAI), tick=True):
        inspection = onsite_services.inspection_start(inspection=inspection, by=members[0])
        for item in published_template.versions.get().items.all():
            onsite_services.answer_save(
                inspection=inspection,
                key=f"i{item.pk}",
                value="pass",
                base_revision=0,
                by=members[0],
            )
        onsite_services.inspection_sign(
            inspection=inspection, by=members[0], signer_name="刘院长", typed="刘院长"
        )
        for member in members:
            onsite_services.member_confirm(inspection=inspection, by=member)
        inspection = onsite_services.inspection_finish(inspection=inspection, by=members[0])
    return publish(inspection, lead), draw


def test_a_drawn_result_links_its_plan_and_the_draw_once_the_draw_is_public(client, drawn_result):
    publication, draw = drawn_result
    detail = reverse("reports:result_detail", args=[publication.pk])
    verify = reverse("reports:plan_detail", args=[draw.plan_id]) + f"#draw-{draw.pk}"
    page = text(client.get(detail))
    assert reverse("reports:plan_detail", args=[draw.plan_id]) in page
    assert verify not in page, "the unannounced draw is not public yet"
    for inspection in draw.inspections.filter(started_at=None):
        inspection.started_at = timezone.now()
        inspection.save()
    page = text(client.get(detail))
    assert verify in page
    assert f'id="draw-{draw.pk}"' in text(client.get(verify.split("#")[0]))
