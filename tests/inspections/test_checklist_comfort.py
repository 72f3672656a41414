"""The inspector's checklist comfort: the next unanswered item and the jump list of
sections, the conclusion shown before finishing and confirmed, teammates asked to
confirm, and numbers shown as typed."""

import re
from decimal import Decimal

from django.utils import timezone

from checklists.models import Item
from inspections.demo import _passing
from inspections.hazards import services as hazard_services
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection
from reports import documents
from tests.reports.test_documents import squashed

from .conftest import item_key, make_template
from .test_onsite import answer, answer_all_passing, jpeg, sign_and_confirm


def checklist_url(inspection):
    return f"/inspections/inspections/{inspection.pk}/checklist/"


def finish_url(inspection):
    return f"/inspections/inspections/{inspection.pk}/finish/"


# ---------------------------------------------------------------- getting around


def test_the_checklist_links_the_next_unanswered_item_and_every_section(
    world, lead, started, inspector, as_user
):
    # An earlier hazard to re-check comes first on the page, but is optional here.
    earlier = hazard_services.hazard_register(
        facility=world["facility"],
        severity="general",
        source="complaint",
        description="厨房燃气未装泄漏报警器",
        found_on=timezone.localdate(),
        deadline_days=7,
        by=lead,
    )
    answer(started, "S-01", "pass", inspector)
    response = as_user(inspector).get(checklist_url(started))
    page = response.content.decode()
    following = item_key(started, "S-02")
    assert response.context["next_unanswered"] == following
    link = re.search(r"<a [^>]*data-next-unanswered[^>]*>", page).group(0)
    assert f'href="#{following}"' in link and f'id="{following}"' in page
    assert f'id="h{earlier.pk}"' in page  # on the page, and skipped as optional
    assert 'src="/static/js/checklist_nav.js"' in page

    # The jump list: a plain link to each checklist section, which is on the page.
    section = Item.objects.get(pk=int(following[1:])).section
    assert re.search(rf'<a href="#section-{section.pk}">{section.title} <small', page)
    assert f'id="section-{section.pk}"' in page
    assert page.index(f'id="section-{section.pk}"') < page.index(f'id="{following}"')


def test_with_every_required_item_answered_there_is_no_next_unanswered_link(
    started, inspector, as_user
):
    answer_all_passing(started, inspector)
    response = as_user(inspector).get(checklist_url(started))
    assert response.context["next_unanswered"] is None
    assert "data-next-unanswered" not in response.content.decode()


# ---------------------------------------------------------------- the conclusion first


def test_the_finish_page_shows_the_conclusion_that_finishing_then_records(
    started, inspector, inspector2, as_user
):
    answer_all_passing(started, inspector)
    answer(started, "S-01", "fail", inspector, note="走道堆放纸箱", deadline_days=10)
    answer(started, "S-02", "fail", inspector)
    answer(started, "S-03", "1", inspector)  # below the 2 that passes: a general hazard
    for code in ("S-01", "S-02"):
        onsite_services.photo_add(
            inspection=started, key=item_key(started, code), upload=jpeg(), by=inspector
        )
    sign_and_confirm(started, inspector, inspector2)
    client = as_user(inspector)

    response = client.get(finish_url(started))
    page = response.content.decode()
    conclusion = response.context["conclusion"]
    shown = {
        row.failed.item.code: (row.due.date, row.due.provisional, row.failed.description)
        for row in response.context["hazards"]
    }
    assert conclusion.result == "fail"  # a major hazard
    assert f"<strong data-conclusion-result>{conclusion.result_label}</strong>" in page
    assert f"<dd data-conclusion-score>{conclusion.score}</dd>" in page
    assert set(shown) == {"S-01", "S-02", "S-03"}
    for due, _provisional, description in shown.values():
        assert f'data-due="{due.isoformat()}"' in page and description in page

    finished = client.post(finish_url(started), {"conclusion_confirmed": "yes"})
    assert finished.status_code == 302
    started.refresh_from_db()
    assert started.status == Inspection.Status.FINISHED
    assert (started.result, started.score) == (conclusion.result, conclusion.score)
    registered = {
        h.item_code: (h.due_on, h.due_provisional, h.description) for h in started.hazards.all()
    }
    assert registered == shown
    assert registered["S-01"][2] == "走道堆放纸箱"


def test_finishing_without_confirming_the_conclusion_is_refused_with_a_message(
    started, inspector, inspector2, as_user
):
    answer_all_passing(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    client = as_user(inspector)
    page = client.get(finish_url(started)).content.decode()
    assert re.search(
        r'<input type="checkbox" name="conclusion_confirmed" value="yes" required>', page
    )
    assert "我已核对上述结论：合格，将登记 0 项隐患。" in page

    for data in ({}, {"conclusion_confirmed": "no"}):
        refused = client.post(finish_url(started), data, follow=True)
        assert refused.redirect_chain == [(finish_url(started), 302)]
        assert [str(m) for m in refused.context["messages"]] == [
            "请先核对检查结论并勾选确认，再完成检查。"
        ]
        started.refresh_from_db()
        assert started.status == Inspection.Status.IN_PROGRESS and not started.hazards.exists()

    client.post(finish_url(started), {"conclusion_confirmed": "yes"})
    started.refresh_from_db()
    assert started.status == Inspection.Status.FINISHED


# ---------------------------------------------------------------- teammates asked to confirm


def asked(user, inspection):
    return list(user.notifications.filter(url=finish_url(inspection)))


def test_teammates_are_asked_to_confirm_once_when_the_record_is_complete(
    started, inspector, inspector2
):
    for code, value in (("S-01", "pass"), ("S-02", "pass"), ("S-03", "3"), ("S-05", "pass")):
        answer(started, code, value, inspector)
    answer(started, "S-04", "pass", inspector)
    assert asked(inspector2, started) == []  # S-04 still needs its photo

    # The photo completes the record: the teammate is asked, not the one who did it.
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-04"), upload=jpeg(), by=inspector
    )
    [notification] = asked(inspector2, started)
    assert notification.text == (
        f"对{started.facility.name}的检查记录已填写完整，等待您确认（最后修改人：李喆）。"
    )
    assert asked(inspector, started) == []

    # More saves while the confirmation is still awaited ask nobody again.
    answer(started, "S-05", "pass", inspector, note="已张贴")
    answer(started, "S-01", "pass", inspector, note="通道畅通")
    assert len(asked(inspector2, started)) == 1

    # A change after the teammate confirmed voids it: a new need, asked once more.
    onsite_services.member_confirm(inspection=started, by=inspector2)
    answer(started, "S-05", "pass", inspector, note="已张贴于大厅")
    assert len(asked(inspector2, started)) == 2
    answer(started, "S-05", "pass", inspector, note="已张贴于大厅入口")
    assert len(asked(inspector2, started)) == 2
    assert asked(inspector, started) == []


# ---------------------------------------------------------------- numbers as typed


def test_number_items_show_as_typed_on_the_page_and_in_the_record(
    world, lead, inspector, inspector2, as_user
):
    template = make_template(
        "t-numbers",
        [
            (
                "N-01",
                "冷藏温度",
                {"answer_type": "number", "min_value": "0.5", "max_value": 8, "unit": "℃"},
            ),
            ("N-02", "灭火器数量", {"answer_type": "number", "min_value": 2, "unit": "具"}),
        ],
    )
    inspection = onsite_services.inspection_start(
        inspection=onsite_services.case_open(
            facility=world["facility"],
            complaint="群众来电反映冷藏不达标。",
            inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
            templates=[template],
            by=lead,
        ),
        by=inspector,
    )
    client = as_user(inspector)
    saved = client.post(
        f"/inspections/inspections/{inspection.pk}/answer/",
        {"key": item_key(inspection, "N-01"), "typed_value": "0.5", "revision": "0"},
        headers={"accept": "application/json"},
    ).json()["answer"]
    assert (saved["value"], saved["label"]) == ("0.5", "0.5 ℃")
    answer(inspection, "N-02", "12", inspector)

    page = client.get(checklist_url(inspection)).content.decode()
    assert 'value="0.5"' in page and 'value="12"' in page
    assert "≥ 0.5" in page and "≤ 8" in page and "≥ 2" in page
    assert "≥ 0.500" not in page and "≤ 8.000" not in page and "≥ 2.000" not in page

    sign_and_confirm(inspection, inspector, inspector2)
    finished = onsite_services.inspection_finish(inspection=inspection, by=inspector)
    text = squashed(documents.inspection_document(finished, "record", by=inspector).pdf)
    assert "0.5℃" in text and "12具" in text and "0.500" not in text


def test_the_demo_answers_numbers_as_a_person_types_them():
    assert _passing(Item(answer_type="number", min_value=Decimal("0.000"))) == "0"
    assert _passing(Item(answer_type="number", min_value=Decimal("0.500"))) == "0.5"
    assert _passing(Item(answer_type="number", max_value=Decimal("100.000"))) == "100"
