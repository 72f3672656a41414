# ruff: noqa: F811  (pytest fixtures imported from tests.inspections.conftest)
"""Control orders (责令停止使用 / 停业整顿): issued on the spot or by a lead, in force at
once, signed for by the facility, lifted only after a re-inspection on site; they block
nothing of the hazard's own rectification."""

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from core.notifications import Notification
from inspections.enforcement import orders
from inspections.enforcement.models import ControlOrder, Escalation
from inspections.hazards import services as hazard_services
from inspections.hazards.models import Extension, Hazard
from inspections.onsite import services as onsite_services
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    case,
    finish_case,
    finished,
    general,
    item_key,
    make_template,
    onsite_template,
    started,
)
from tests.inspections.test_hazards import submit
from tests.inspections.test_onsite import answer_all_passing


@pytest.fixture(autouse=True)
def english(settings, request):
    """Refusals are asserted in their English source text; a test marked ``chinese``
    (the documents) reads the default language."""
    if not request.node.get_closest_marker("chinese"):
        settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def issue(facility, by, **overrides):
    values = {
        "kind": ControlOrder.Kind.STOP_USE,
        "scope": ControlOrder.Scope.BUILDING,
        "scope_detail": "2号楼（C级危房）",
        "reason": "经鉴定为C级危险房屋，继续使用危及老年人安全。",
        "legal_basis": "《养老机构管理办法》第四十六条",
    }
    return orders.control_order_issue(facility=facility, by=by, **{**values, **overrides})


@pytest.fixture
def order(world, lead):
    return issue(world["facility"], lead)


def reinspection(world, inspector, inspector2, onsite_template):
    """A finished official (case) inspection of the facility, started now."""
    return finish_case(world["facility"], onsite_template, (inspector, inspector2), fail=())


# ---------------------------------------------------------------- issuing


def test_a_team_member_issues_on_the_spot(world, started, inspector, manager):
    order = issue(world["facility"], inspector, inspection=started)
    assert order.in_force and order.issued_by == inspector and order.inspection == started
    assert re.fullmatch(r"430602-2026-ZL0001", order.number)
    assert Notification.objects.filter(user=manager, text__contains=order.number).exists()


def test_a_lead_of_the_county_issues_and_numbers_follow_on(world, lead):
    first = issue(world["facility"], lead)
    second = issue(world["other_facility"], lead, kind="suspend", scope="whole", scope_detail="")
    assert (first.number, second.number) == ("430602-2026-ZL0001", "430602-2026-ZL0002")


def test_an_inspector_off_site_or_outside_the_team_cannot_issue(
    world,
    finished,
    inspector,
    inspector2,
):
    with pytest.raises(ValidationError, match="on the spot, while the inspection is under way"):
        issue(world["facility"], inspector, inspection=finished)
    with pytest.raises(ValidationError, match="Only the inspection team on site or a bureau lead"):
        issue(world["facility"], inspector2)


def test_a_lead_of_another_county_and_a_manager_are_refused(world, other_lead, manager):
    for user in (other_lead, manager):
        with pytest.raises(ValidationError, match="Only the inspection team on site or a bureau"):
            issue(world["facility"], user)
    assert not ControlOrder.objects.exists()


def test_a_part_needs_saying_which_part(world, lead):
    with pytest.raises(ValidationError, match="Say what is stopped"):
        issue(world["facility"], lead, scope="floor", scope_detail="  ")
    with pytest.raises(ValidationError, match="A partial stop cannot cover the whole facility"):
        issue(world["facility"], lead, kind="partial", scope="whole", scope_detail="")
    whole = issue(world["facility"], lead, kind="suspend", scope="whole", scope_detail="")
    assert whole.scope == "whole"


def test_issuing_for_a_hazard_records_its_control_step_done(world, lead, general):
    order = issue(world["facility"], lead, hazard=general)
    step = Escalation.objects.get(hazard=general, step="control")
    assert step.status == Escalation.Status.DONE and step.control_order == order


# ---------------------------------------------------------------- the facility signs


def test_a_manager_signs_for_it_once(order, manager, other_manager, inspector):
    for user in (other_manager, inspector):
        with pytest.raises(ValidationError, match="Only a manager of the facility signs"):
            orders.control_order_acknowledge(order=order, by=user)
    signed = orders.control_order_acknowledge(order=order, by=manager)
    assert signed.acknowledged_by == manager and signed.acknowledged_at
    with pytest.raises(ValidationError, match="already signed for this order"):
        orders.control_order_acknowledge(order=order, by=manager)


# ---------------------------------------------------------------- lifting


def test_no_lifting_without_a_re_inspection_finished_after_the_order(
    world,
    lead,
    started,
    inspector,
    inspector2,
    onsite_template,
):
    order = issue(world["facility"], inspector, inspection=started)
    with pytest.raises(ValidationError, match="Choose the re-inspection"):
        orders.control_order_lift(order=order, inspection=None, note="已拆除", by=lead)
    # The inspection under way when the order was issued: not finished, then started before.
    with pytest.raises(ValidationError, match="Only a finished re-inspection"):
        orders.control_order_lift(order=order, inspection=started, note="已拆除", by=lead)
    from tests.inspections.test_onsite import sign_and_confirm

    answer_all_passing(started, inspector)
    sign_and_confirm(started, inspector, inspector2)
    before = onsite_services.inspection_finish(inspection=started, by=inspector)
    with pytest.raises(ValidationError, match="started on site after the order was issued"):
        orders.control_order_lift(order=order, inspection=before, note="已拆除", by=lead)
    order.refresh_from_db()
    assert order.in_force


def test_a_self_inspection_does_not_lift(world, order, lead, manager, onsite_template):
    own = onsite_services.self_open(
        facility=world["facility"], templates=[onsite_template], by=manager
    )
    answer_all_passing(own, manager)
    own = onsite_services.inspection_finish(inspection=own, by=manager)
    assert own.status == "finished"
    with pytest.raises(ValidationError, match="A self-inspection cannot lift a control order"):
        orders.control_order_lift(order=order, inspection=own, note="自查已整改", by=lead)


def test_the_re_inspection_lifts_it_and_it_is_recorded(
    world,
    order,
    lead,
    other_lead,
    manager,
    inspector,
    inspector2,
    onsite_template,
):
    after = reinspection(world, inspector, inspector2, onsite_template)
    with pytest.raises(ValidationError, match="Only a bureau lead of the county or the re-insp"):
        orders.control_order_lift(order=order, inspection=after, note="已拆除", by=other_lead)
    lifted = orders.control_order_lift(
        order=order, inspection=after, note="2号楼已停用并封闭", by=inspector
    )
    lifted.refresh_from_db()
    assert lifted.status == ControlOrder.Status.LIFTED
    assert (lifted.lifted_by, lifted.lifting_inspection, lifted.lift_note) == (
        inspector,
        after,
        "2号楼已停用并封闭",
    )
    assert lifted.history.filter(status="lifted").count() == 1
    assert Notification.objects.filter(user=manager, text__contains="lifted").exists()
    with pytest.raises(ValidationError, match="already lifted"):
        orders.control_order_lift(order=lifted, inspection=after, note="再次", by=lead)


# ---------------------------------------------------------------- blocks nothing


def test_an_order_blocks_nothing_of_the_hazards_own_rectification(
    world,
    finished,
    general,
    lead,
    manager,
    inspector,
):
    hazard_services.notice_acknowledge(notice=finished.notice, by=manager)
    general.refresh_from_db()
    due = general.due_on
    order = issue(world["facility"], lead, hazard=general)
    general.refresh_from_db()
    assert general.due_on == due and general.status == Hazard.Status.RECTIFYING

    # An extension is asked for and decided while the order is in force...
    extension = hazard_services.extension_request(
        hazard=general,
        requested_due=due + timedelta(days=7),
        reasons="需采购材料",
        interim_measures="专人值守",
        by=manager,
    )
    hazard_services.extension_decide(extension=extension, approve=True, by=lead)
    assert Extension.objects.get(pk=extension.pk).status == Extension.Status.APPROVED
    # ...the fix is reported and verified, and the hazard is closed...
    general.refresh_from_db()
    submit(general, manager)
    closed = hazard_services.rectification_verify(hazard=general, accept=True, by=inspector)
    assert closed.status == Hazard.Status.CLOSED
    # ...and the order stays in force until a re-inspection lifts it.
    order.refresh_from_db()
    assert order.in_force and order.lifted_at is None


# ---------------------------------------------------------------- pages


def test_the_stop_use_prompt_shows_after_a_failed_item(world, lead, inspector, inspector2, as_user):
    template = make_template(
        "t-stop",
        [
            ("D-01", "房屋是否为C级、D级危房？", {"hazard": "major", "stop_use": True}),
            ("D-02", "疏散通道是否畅通？", {"hazard": "general"}),
        ],
    )
    inspection = onsite_services.case_open(
        facility=world["facility"],
        complaint="群众反映房屋开裂。",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[template],
        by=lead,
    )
    inspection = onsite_services.inspection_start(inspection=inspection, by=inspector)
    key = item_key(inspection, "D-01")
    onsite_services.answer_save(
        inspection=inspection, key=key, value="fail", base_revision=0, by=inspector
    )
    page = as_user(inspector).get(reverse("inspections:checklist", args=[inspection.pk]))
    html = page.content.decode()
    card = re.search(rf'<article[^>]*id="{key}"[^>]*>.*?</article>', html, re.S).group(0)
    assert 'data-outcome="fail"' in card
    link = reverse("inspections:control_order_issue", args=["inspection", inspection.pk])
    assert f"{link}?item={key[1:]}" in card
    # The other item calls for no order.
    other = item_key(inspection, "D-02")
    assert "data-stop-use" not in re.search(rf'id="{other}".*?</article>', html, re.S).group(0)

    # The link opens the order prefilled from the item.
    form = as_user(inspector).get(f"{link}?item={key[1:]}").context["form"]
    assert form.initial["reason"] == "房屋是否为C级、D级危房？"
    assert form.initial["legal_basis"] == "GB 38600"


def test_pages_issue_sign_and_list(world, lead, manager, other_lead, as_user):
    url = reverse("inspections:control_order_issue", args=["facility", world["facility"].pk])
    response = as_user(lead).post(
        url,
        {
            "kind": "stop_use",
            "scope": "equipment",
            "scope_detail": "1号电梯",
            "reason": "电梯未经定期检验",
            "legal_basis": "《特种设备安全法》第四十条",
        },
    )
    order = ControlOrder.objects.get()
    assert response.status_code == 302 and response.url == order.get_absolute_url()
    assert as_user(other_lead).get(order.get_absolute_url()).status_code == 404
    page = as_user(manager).get(order.get_absolute_url())
    assert page.context["may_acknowledge"]
    as_user(manager).post(reverse("inspections:control_order_acknowledge", args=[order.pk]))
    order.refresh_from_db()
    assert order.acknowledged_by == manager
    facility_page = as_user(manager).get(
        reverse("registry:facility_detail", args=[order.facility_id])
    )
    assert order.number in facility_page.content.decode()
    listed = as_user(lead).get(reverse("inspections:control_order_list") + "?status=in_force")
    assert order.number in listed.content.decode()
    lifted = as_user(lead).get(reverse("inspections:control_order_list") + "?status=lifted")
    assert order.number not in lifted.content.decode()


def test_the_hazard_page_shows_the_order_in_force(world, lead, general, as_user):
    order = issue(world["facility"], lead, hazard=general)
    page = as_user(lead).get(reverse("inspections:hazard_detail", args=[general.pk]))
    assert order.number in page.content.decode()


def test_the_list_counts_its_queries(world, lead, as_user, django_assert_max_num_queries):
    for _n in range(3):
        issue(world["facility"], lead)
    client = as_user(lead)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("inspections:control_order_list"))
    assert page.content.decode().count("430602-2026-ZL") == 3


@pytest.mark.chinese
def test_the_order_document_has_its_number_and_chinese_text(world, order, lead, as_user):
    url = reverse("reports_staff:enforcement_document", args=["control", order.pk])
    response = as_user(lead).get(url)
    assert response.status_code == 200
    text = re.sub(
        r"\s+",
        "",
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.getvalue())).pages),
    )
    assert order.number in text
    assert world["facility"].name in text and "2号楼（C级危房）" in text
    assert "《养老机构管理办法》第四十六条" in text
    with translation.override("zh-hans"):
        assert gettext("Acknowledgement of receipt") in text
