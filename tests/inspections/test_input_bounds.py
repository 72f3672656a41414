"""Bounded input (issue 14, findings 6 and 9): free text has a limit the service
enforces with a sentence naming the field, the forms show it with a counter, and bad
numbers, dates and ids are refused or dropped, never a 500."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from core import limits
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Extension, Rectification
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from inspections.planning import services as planning_services
from inspections.planning.models import Draw
from inspections.publication import services as publication_services
from inspections.publication.models import Publication

from .conftest import item_key, make_plan
from .test_hazards import photo, rectifying  # noqa: F401  (a fixture)

JSON = {"HTTP_ACCEPT": "application/json"}
TEN_MB = "备" * 10_000_000
# ASCII on the wire: 10 MB of Chinese is 30 MB of UTF-8, past the request size Django reads.
TEN_MB_ASCII = "x" * 10_000_000


def answer(inspection, code, by, **extra):
    return onsite_services.answer_save(
        inspection=inspection,
        key=item_key(inspection, code),
        value="fail",
        base_revision=0,
        by=by,
        **extra,
    )


# ---------------------------------------------------------------- free text


def test_it_refuses_a_10_mb_answer_note_and_stores_nothing(started, inspector):
    with pytest.raises(ValidationError, match="备注不能超过 2000 字（当前 10000000 字）"):
        answer(started, "S-01", inspector, note=TEN_MB)
    assert not started.answers.exists()


def test_the_answer_endpoint_refuses_a_10_mb_note_with_400_and_the_message(
    started, inspector, as_user
):
    response = as_user(inspector).post(
        f"/inspections/inspections/{started.pk}/answer/",
        {"key": item_key(started, "S-01"), "value": "fail", "revision": 0, "note": TEN_MB_ASCII},
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["message"] == "备注不能超过 2000 字（当前 10000000 字）。"
    assert not started.answers.exists()


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("note", limits.TEXT, "备注不能超过 2000 字"),
        ("location", limits.LINE, "具体位置不能超过 200 字"),
    ],
)
def test_an_answer_takes_exactly_the_limit_and_not_one_more(
    started, inspector, field, limit, message
):
    with pytest.raises(ValidationError, match=message):
        answer(started, "S-01", inspector, **{field: "甲" * (limit + 1)})
    saved = answer(started, "S-01", inspector, **{field: "甲" * limit})
    assert getattr(saved, field) == "甲" * limit


def test_a_line_break_counts_once_as_in_the_browser(started, inspector):
    # Browsers post a textarea's line breaks as CR LF but count them as one character.
    saved = answer(started, "S-01", inspector, note="甲\r\n" * 1000)
    assert saved.note == ("甲\n" * 1000).strip() and len(saved.note) == 1999


def test_a_typed_answer_is_refused_beyond_its_limit_not_cut(world, lead, inspector, inspector2):
    from .conftest import make_template

    template = make_template("t-text", [("T-01", "值班人员姓名", {"answer_type": "text"})])
    inspection = onsite_services.case_open(
        facility=world["facility"],
        complaint="来电",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[template],
        by=lead,
    )
    onsite_services.inspection_start(inspection=inspection, by=inspector)
    key = item_key(inspection, "T-01")
    with pytest.raises(ValidationError, match="检查结果不能超过 200 字（当前 201 字）"):
        onsite_services.answer_save(
            inspection=inspection, key=key, value="甲" * 201, base_revision=0, by=inspector
        )
    saved = onsite_services.answer_save(
        inspection=inspection, key=key, value="甲" * 200, base_revision=0, by=inspector
    )
    assert saved.value == "甲" * 200


def test_a_name_takes_100_characters_and_not_101(started, inspector):
    with pytest.raises(ValidationError, match="机构签收人姓名不能超过 100 字（当前 101 字）"):
        onsite_services.inspection_sign(
            inspection=started, by=inspector, signer_name="刘" * 101, typed="刘院长"
        )
    signed = onsite_services.inspection_sign(
        inspection=started, by=inspector, signer_name="刘" * 100, typed="刘院长"
    )
    assert signed.signer_name == "刘" * 100


def test_the_circumstances_of_a_refusal_are_refused_not_cut(started, inspector):
    with pytest.raises(ValidationError, match="拒签情况说明不能超过 500 字"):
        onsite_services.inspection_sign(
            inspection=started, by=inspector, refused=True, note="拒" * 501
        )
    started.refresh_from_db()
    assert not started.signed_at


def test_a_complaint_is_limited_to_2000_characters(world, lead, inspector, inspector2, case):
    team = [inspector.inspector_profile, inspector2.inspector_profile]
    with pytest.raises(ValidationError, match="投诉或线索不能超过 2000 字"):
        onsite_services.case_open(
            facility=world["facility"],
            complaint="诉" * 2001,
            inspectors=team,
            templates=[case.checklists.get().version.template],
            by=lead,
        )


def test_rectification_texts_are_limited(rectifying, manager):  # noqa: F811
    with pytest.raises(ValidationError, match="整改情况不能超过 2000 字"):
        hazard_services.rectification_submit(
            hazard=rectifying, description="改" * 2001, uploads=[photo()], by=manager
        )
    assert not Rectification.objects.exists()


def test_a_rejection_reason_is_limited(rectifying, manager, inspector):  # noqa: F811
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理", uploads=[photo()], by=manager
    )
    with pytest.raises(ValidationError, match="原因不能超过 2000 字"):
        hazard_services.rectification_verify(
            hazard=rectifying, accept=False, reason="否" * 2001, by=inspector
        )


def test_a_rejection_quoted_in_full_is_shortened_on_the_home_page(
    rectifying,  # noqa: F811
    manager,
    inspector,
):
    # The notification column holds 500 characters (PostgreSQL refuses more); the
    # hazard's page shows the whole reason.
    hazard_services.rectification_submit(
        hazard=rectifying, description="已清理", uploads=[photo()], by=manager
    )
    reason = "否" * limits.TEXT
    hazard_services.rectification_verify(
        hazard=rectifying, accept=False, reason=reason, by=inspector
    )
    assert rectifying.rectifications.get().reason == reason
    text = manager.notifications.latest("pk").text
    assert len(text) == 500 and text.endswith("…")


def test_the_five_in_place_plan_fields_are_limited(finished, manager, major):
    fields = {
        "measures": "更换防火门",
        "responsible_person": "王院长",
        "funds": "2万元",
        "plan_deadline": major.due_on,
        "contingency_plan": "专人值守",
    }
    for name, limit, label in (
        ("measures", limits.TEXT, "整改措施"),
        ("responsible_person", limits.NAME, "负责人"),
        ("funds", limits.LINE, "整改资金（金额和来源）"),
        ("contingency_plan", limits.TEXT, "应急预案"),
    ):
        with pytest.raises(ValidationError, match=f"{label}不能超过 {limit} 字"):
            hazard_services.supervision_plan_file(
                supervision=major.supervision, by=manager, **{**fields, name: "字" * (limit + 1)}
            )
    with pytest.raises(ValidationError, match="本月进展不能超过 2000 字"):
        hazard_services.supervision_note_add(
            supervision=major.supervision, text="进" * 2001, by=manager
        )


def test_publication_reasons_take_500_characters_and_not_501(finished, lead):
    publication = Publication.objects.get(inspection=finished)
    with pytest.raises(ValidationError, match="原因不能超过 500 字（当前 501 字）"):
        publication_services.publication_return(publication=publication, by=lead, reason="退" * 501)
    with pytest.raises(ValidationError, match="后续处理不能超过 2000 字"):
        publication_services.publication_publish(
            publication=publication, by=lead, follow_up="续" * 2001
        )
    returned = publication_services.publication_return(
        publication=publication, by=lead, reason="退" * 500
    )
    assert returned.returned_reason == "退" * 500


def test_a_draw_voided_with_a_long_reason_keeps_it_whole(drawn, lead):
    # The history's change-reason column holds 100 characters (PostgreSQL refuses
    # more): the history gets the beginning, the draw and its inspections all of it.
    reason = "因" * limits.SHORT
    with pytest.raises(ValidationError, match="原因不能超过 500 字"):
        planning_services.draw_void(draw=drawn, reason=reason + "因", by=lead)
    planning_services.draw_void(draw=drawn, reason=reason, by=lead)
    drawn.refresh_from_db()
    assert drawn.status == Draw.Status.VOID and drawn.void_reason == reason
    assert {i.cancelled_reason for i in drawn.inspections.all()} == {reason}
    change = drawn.history.latest("history_id").history_change_reason
    assert len(change) == 100 and change.endswith("…")


# ---------------------------------------------------------------- pages


def test_the_checklist_page_shows_the_limits_and_loads_the_counter(started, inspector, as_user):
    page = as_user(inspector).get(f"/inspections/inspections/{started.pk}/checklist/")
    html = page.content.decode()
    assert 'name="note" rows="2" maxlength="2000"' in html
    assert 'name="location" maxlength="200"' in html
    assert "/static/js/counter.js" in html


def test_the_hazard_page_forms_carry_their_limits(rectifying, manager, as_user):  # noqa: F811
    html = as_user(manager).get(f"/inspections/hazards/{rectifying.pk}/").content.decode()
    assert 'name="description" cols="40" rows="3" maxlength="2000"' in html
    assert 'name="reasons" cols="40" rows="2" maxlength="2000"' in html
    assert "/static/js/counter.js" in html


def test_an_over_long_description_on_the_web_names_the_field(rectifying, manager, as_user):  # noqa: F811
    response = as_user(manager).post(
        f"/inspections/hazards/{rectifying.pk}/rectify/",
        {"description": "改" * 2001, "photos": [photo()]},
        follow=True,
    )
    assert "整改情况不能超过 2000 字（当前 2001 字）" in response.content.decode()
    assert not Rectification.objects.exists()


# ---------------------------------------------------------------- numbers, dates, ids


@pytest.mark.parametrize("latitude", ["NaN", "nan", "-nan", "sNaN", "Infinity", "1e999999"])
def test_a_latitude_that_is_not_a_number_is_dropped(case, inspector, latitude):
    started = onsite_services.inspection_start(
        inspection=case, by=inspector, latitude=latitude, longitude="113.1", accuracy="10"
    )
    assert started.status == Inspection.Status.IN_PROGRESS
    assert started.start_latitude is None and started.start_longitude is None


def test_an_infinite_accuracy_is_dropped(case, inspector):
    started = onsite_services.inspection_start(
        inspection=case, by=inspector, latitude="29.37", longitude="113.1", accuracy="inf"
    )
    assert str(started.start_latitude) == "29.370000" and started.start_accuracy is None


def test_starting_with_a_nan_latitude_on_the_web_is_not_an_error(case, inspector):
    client = Client(raise_request_exception=False)
    client.force_login(inspector)
    response = client.post(
        f"/inspections/inspections/{case.pk}/start/",
        {"latitude": "NaN", "longitude": "NaN", "accuracy": "NaN"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Inspection.Status.IN_PROGRESS and case.start_latitude is None


def test_it_refuses_an_extension_to_the_year_9999(rectifying, manager):  # noqa: F811
    furthest = limits.add_months(rectifying.due_on, 6)
    with pytest.raises(ValidationError, match="延期最多将整改期限推后 6 个月"):
        hazard_services.extension_request(
            hazard=rectifying,
            requested_due=date(9999, 12, 31),
            reasons="资金未到位",
            interim_measures="巡查",
            by=manager,
        )
    with pytest.raises(ValidationError, match=furthest.isoformat()):
        hazard_services.extension_request(
            hazard=rectifying,
            requested_due=furthest + timedelta(days=1),
            reasons="资金未到位",
            interim_measures="巡查",
            by=manager,
        )
    assert not Extension.objects.exists()
    hazard_services.extension_request(
        hazard=rectifying,
        requested_due=furthest,
        reasons="资金未到位",
        interim_measures="巡查",
        by=manager,
    )


def test_an_extension_to_9999_on_the_web_is_a_message(rectifying, manager, as_user):  # noqa: F811
    response = as_user(manager).post(
        f"/inspections/hazards/{rectifying.pk}/extension/",
        {"requested_due": "9999-12-31", "reasons": "待采购", "interim_measures": "巡查"},
        follow=True,
    )
    assert "延期最多将整改期限推后 6 个月" in response.content.decode()
    assert not Extension.objects.exists()


@pytest.mark.parametrize("day", ["2026-02-30", "99999-01-01", "2026-13-01", ""])
def test_an_impossible_date_is_a_message(rectifying, manager, as_user, day):  # noqa: F811
    response = as_user(manager).post(
        f"/inspections/hazards/{rectifying.pk}/extension/",
        {"requested_due": day, "reasons": "待采购", "interim_measures": "巡查"},
    )
    assert response.status_code == 302
    assert not Extension.objects.exists()


def test_a_plan_window_lasts_at_most_a_year(world, lead, published_template):
    with pytest.raises(ValidationError, match="检查时间窗口最长为一年"):
        make_plan(world, lead, published_template, window_end=date(9999, 12, 31))
    with pytest.raises(ValidationError, match="检查时间窗口最长为一年"):
        make_plan(world, lead, published_template, window_end=date(2027, 12, 2))
    plan = make_plan(world, lead, published_template, window_end=date(2027, 12, 1))
    assert plan.window_end == date(2027, 12, 1)


@pytest.mark.parametrize("forged", ["99999999999999999999", "9223372036854775808", "-1"])
def test_a_forged_id_in_a_multiple_choice_is_a_form_error(
    world, lead, inspector, inspector2, onsite_template, as_user, forged
):
    response = as_user(lead).post(
        "/inspections/inspections/new/case/",
        {
            "facility": world["facility"].pk,
            "complaint": "来电反映",
            "inspectors": [inspector.inspector_profile.pk, forged],
            "templates": [forged],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["templates"]
    assert not Inspection.objects.exists()
