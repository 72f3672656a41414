"""Enforcement cases (立案), transfers to other departments (移送) and penalties: a lead
opens, decides and closes a case; a numbered transfer letter goes out, its receipt and
feedback come back, and late feedback reminds the lead; a penalty decided is public on
the facility's page and in the open data until it is withdrawn, never before."""

import csv
import io
import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from core.notifications import Notification
from core.workdays import add_working_days
from inspections.enforcement import cases
from inspections.enforcement.models import (
    EnforcementCase,
    Escalation,
    Penalty,
    Transfer,
    TransferReminder,
)
from inspections.publication import services as publication_services
from inspections.publication.services import categories_allowed
from tests.inspections.conftest import (  # noqa: F401  (fixtures)
    case,
    finished,
    general,
    make_hazard,
    onsite_template,
    started,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
FACTS = "该院2号楼疏散通道长期堆放杂物，经责令改正逾期未改正。"
BASIS = "《中华人民共和国消防法》第六十条"


@pytest.fixture(autouse=True)
def english(settings):
    """Refusals are asserted in their English source text."""
    settings.LANGUAGE_CODE = "en"
    yield
    translation.deactivate()


def open_case(facility, by, **overrides):
    values = {"kind": EnforcementCase.Kind.TRANSFER, "facts": FACTS, "legal_basis": BASIS}
    return cases.case_open(facility=facility, by=by, **{**values, **overrides})


@pytest.fixture
def hazard(world, lead):
    return make_hazard(world["facility"], lead, severity="major")


@pytest.fixture
def opened(world, lead, hazard):
    return open_case(world["facility"], lead, hazard=hazard)


def send(case, by, **overrides):  # noqa: F811
    values = {
        "department": Transfer.Department.FIRE,
        "department_name": "岳阳楼区消防救援大队",
        "contact": "区民政局养老服务股 0730-1234567",
        "sent_on": timezone.localdate(),
    }
    return cases.transfer_send(case=case, by=by, **{**values, **overrides})


@pytest.fixture
def transfer(opened, lead):
    return send(opened, lead)


def fine(**overrides):
    values = {
        "decision_no": "岳楼消行罚决字〔2026〕第0123号",
        "authority": "岳阳楼区消防救援大队",
        "kind": Penalty.Kind.FINE,
        "legal_basis": "《中华人民共和国消防法》第六十条第一款第三项",
        "amount": "5000",
        "decided_on": date(2026, 11, 30),
    }
    return {**values, **overrides}


def pdf_text(content):
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", "", text)


def public_rows(client, fmt="json"):
    response = client.get(reverse(f"reports:penalties_{fmt}"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    if fmt == "json":
        return json.loads(content)
    return list(csv.DictReader(io.StringIO(content)))


def public_page(client, facility):
    response = client.get(reverse("reports:facility_detail", args=[facility.pk]))
    return response.status_code, response.content.decode()


# ---------------------------------------------------------------- cases


def test_a_lead_opens_decides_and_closes_a_numbered_case(world, lead, hazard):
    first = open_case(world["facility"], lead, hazard=hazard)
    second = open_case(world["other_facility"], lead, kind="correct", complaint_ref="TS-2026-17")
    assert (first.number, second.number) == ("430602-2026-AJ0001", "430602-2026-AJ0002")
    assert first.status == EnforcementCase.Status.OPEN and first.opened_by == lead
    cases.case_decide(
        case=first, decision="移送消防救援机构处罚", decided_on=date(2026, 12, 1), by=lead
    )
    first.refresh_from_db()
    assert (first.status, first.decided_by) == (EnforcementCase.Status.DECIDED, lead)
    with pytest.raises(ValidationError, match="already decided"):
        cases.case_decide(case=first, decision="再次决定", decided_on=date(2026, 12, 1), by=lead)
    cases.case_close(case=first, outcome="已移送并收到处罚反馈", by=lead)
    first.refresh_from_db()
    assert first.status == EnforcementCase.Status.CLOSED and first.closed_by == lead
    with pytest.raises(ValidationError, match="This case is closed"):
        cases.case_close(case=first, outcome="再次结案", by=lead)


def test_the_ladder_step_case_is_done_when_a_case_is_opened_for_the_hazard(opened, hazard):
    step = Escalation.objects.get(hazard=hazard, step=Escalation.Step.CASE)
    assert step.status == Escalation.Status.DONE and step.case == opened


def test_only_a_lead_of_the_county_opens_a_case(world, inspector, other_lead, manager, lead):
    for person in (inspector, other_lead, manager):
        with pytest.raises(ValidationError, match="Only a bureau lead of the county"):
            open_case(world["facility"], person)
    far_hazard = make_hazard(world["other_facility"], lead)
    with pytest.raises(ValidationError, match="not one of this facility's"):
        open_case(world["facility"], lead, hazard=far_hazard)
    with pytest.raises(ValidationError, match="Facts is required"):
        open_case(world["facility"], lead, facts="  ")
    assert not EnforcementCase.objects.exists()


def test_a_decision_cannot_be_dated_in_the_future(opened, lead):
    with pytest.raises(ValidationError, match="Date of the decision must be between"):
        cases.case_decide(case=opened, decision="处罚", decided_on=date(2026, 12, 31), by=lead)


# ---------------------------------------------------------------- transfers


def test_a_transfer_is_numbered_and_feedback_falls_due_in_working_days(world, opened, lead):
    transfer = send(opened, lead)
    assert transfer.number == "430602-2026-YS0001"
    assert transfer.feedback_due_on == add_working_days(transfer.sent_on, 20).date
    own = send(opened, lead, feedback_due_on=date(2026, 12, 10))
    assert own.feedback_due_on == date(2026, 12, 10)
    with pytest.raises(ValidationError, match="feedback date must fall after"):
        send(opened, lead, feedback_due_on=transfer.sent_on)


def test_the_transfer_letter_has_its_number_and_chinese_text(
    world, transfer, lead, as_user, settings
):
    settings.LANGUAGE_CODE = "zh-hans"  # documents are built in the site's language
    url = reverse("reports_staff:enforcement_document", args=["transfer", transfer.pk])
    response = as_user(lead).get(url)
    assert response.status_code == 200
    text = pdf_text(response.getvalue())
    assert transfer.number in text
    assert "岳阳楼区消防救援大队" in text and world["facility"].name in text
    assert re.sub(r"\s+", "", FACTS) in text and BASIS in text
    assert transfer.feedback_due_on.isoformat() in text
    assert "0730-1234567" in text
    with translation.override("zh-hans"):
        assert gettext("Legal basis") in text


def test_the_receipt_and_the_feedback_are_recorded(transfer, lead):
    cases.transfer_receive(transfer=transfer, on=date(2026, 12, 1), by=lead)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_on) == (Transfer.Status.RECEIVED, date(2026, 12, 1))
    with pytest.raises(ValidationError, match="receipt of this transfer is already recorded"):
        cases.transfer_receive(transfer=transfer, on=date(2026, 12, 1), by=lead)
    cases.transfer_answer(transfer=transfer, on=date(2026, 12, 1), feedback="已立案调查", by=lead)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.feedback) == (Transfer.Status.ANSWERED, "已立案调查")
    assert transfer.recorded_by == lead
    assert not Penalty.objects.exists()


def test_feedback_with_a_penalty_records_the_penalty(world, transfer, lead):
    cases.transfer_answer(
        transfer=transfer, on=date(2026, 12, 1), feedback="已作出罚款决定", by=lead, penalty=fine()
    )
    penalty = Penalty.objects.get()
    assert (penalty.transfer, penalty.case, penalty.facility) == (
        transfer,
        transfer.case,
        world["facility"],
    )
    assert penalty.amount == Decimal("5000.00") and penalty.kind == Penalty.Kind.FINE


def test_a_fine_needs_a_bounded_amount_and_a_past_date(opened, lead):
    record = cases.penalty_record
    with pytest.raises(ValidationError, match="A fine needs its amount"):
        record(case=opened, by=lead, **fine(amount=None))
    with pytest.raises(ValidationError, match="between 0 and"):
        record(case=opened, by=lead, **fine(amount="-1"))
    with pytest.raises(ValidationError, match="between 0 and"):
        record(case=opened, by=lead, **fine(amount="1e12"))
    with pytest.raises(ValidationError, match="must be between"):
        record(case=opened, by=lead, **fine(decided_on=date(2027, 1, 1)))
    record(case=opened, by=lead, **fine())
    with pytest.raises(ValidationError, match="already recorded"):
        record(case=opened, by=lead, **fine())
    warning = record(
        case=opened, by=lead, **fine(decision_no="警告-1", kind="warning", amount=None)
    )
    assert warning.amount is None


def test_late_feedback_reminds_the_lead_once_per_key_across_dispatcher_runs(
    world, transfer, lead, other_lead
):
    due = transfer.feedback_due_on
    reminders = Notification.objects.filter(user=lead, text__contains=transfer.number)
    on_due = datetime.combine(due, time(0), SHANGHAI)
    assert cases.transfer_reminders_dispatch(now=on_due + timedelta(hours=12)) == 0
    day_after = on_due + timedelta(days=1, hours=12)
    assert cases.transfer_reminders_dispatch(now=day_after) == 1
    assert cases.transfer_reminders_dispatch(now=day_after) == 0
    assert reminders.count() == 1
    # Ten working days later: the next reminder, once, by the one dispatcher command.
    later = add_working_days(due + timedelta(days=1), 10).date
    with time_machine.travel(datetime.combine(later, time(9), SHANGHAI)):
        call_command("workflow_timers", stdout=io.StringIO())
        call_command("workflow_timers", stdout=io.StringIO())
    assert reminders.count() == 2
    assert set(TransferReminder.objects.values_list("key", flat=True)) == {
        f"late:{(due + timedelta(days=1)).isoformat()}",
        f"late:{later.isoformat()}",
    }
    assert not Notification.objects.filter(user=other_lead).exists()
    # Feedback recorded: no more reminders.
    cases.transfer_answer(transfer=transfer, on=date(2026, 12, 1), feedback="已处理", by=lead)
    much_later = add_working_days(later, 10).date
    moment = datetime.combine(much_later, time(9), SHANGHAI)
    assert cases.transfer_reminders_dispatch(now=moment) == 0


# ---------------------------------------------------------------- publication (移送处罚)


def test_the_published_category_referred_for_penalty_requires_a_case(finished, general, lead):  # noqa: F811
    publication = finished.publication
    assert "penalty" not in categories_allowed(finished)
    with pytest.raises(ValidationError, match="needs an enforcement case"):
        publication_services.publication_publish(
            publication=publication, by=lead, category="penalty"
        )
    open_case(finished.facility, lead, hazard=general)
    assert "penalty" in categories_allowed(finished)
    publication_services.publication_publish(publication=publication, by=lead, category="penalty")
    publication.refresh_from_db()
    assert publication.current.category == "penalty"


# ---------------------------------------------------------------- public


def test_penalties_are_public_once_recorded_and_leave_when_withdrawn(
    client, world, opened, lead, manager
):
    home = world["facility"]
    cases.case_decide(case=opened, decision="拟处罚", decided_on=date(2026, 12, 1), by=lead)
    # Decided, nothing recorded yet: nothing public.
    assert public_rows(client) == [] and public_rows(client, "csv") == []
    assert public_page(client, home)[0] == 404
    penalty = cases.penalty_record(case=opened, by=lead, **fine())
    status, page = public_page(client, home)
    assert status == 200
    assert penalty.decision_no in page and "2026-11-30" in page
    assert "5000" in page and fine()["legal_basis"] in page
    (row,) = public_rows(client)
    assert row["decision_no"] == penalty.decision_no and row["decided_on"] == "2026-11-30"
    assert (row["kind"], row["amount"], row["authority"]) == (
        "fine",
        "5000.00",
        "岳阳楼区消防救援大队",
    )
    assert row["legal_basis"] == fine()["legal_basis"] and row["facility_name"] == home.name
    (line,) = public_rows(client, "csv")
    assert line["decision_no"] == penalty.decision_no
    # No person's name, no case file.
    everything = json.dumps(public_rows(client), ensure_ascii=False) + page
    for person in (lead, manager):
        assert person.full_name not in everything
    assert opened.number not in everything and FACTS not in everything
    cases.penalty_withdraw(penalty=penalty, reason="行政复议撤销", by=lead)
    assert public_rows(client) == []
    assert public_page(client, home)[0] == 404
    with pytest.raises(ValidationError, match="already withdrawn"):
        cases.penalty_withdraw(penalty=penalty, reason="再次撤销", by=lead)


# ---------------------------------------------------------------- pages


def test_a_lead_works_a_case_through_the_pages(world, hazard, lead, as_user):
    client = as_user(lead)
    hazard_page = client.get(reverse("inspections:hazard_detail", args=[hazard.pk]))
    open_url = reverse("inspections:enforcement_case_open", args=["hazard", hazard.pk])
    assert open_url in hazard_page.content.decode()
    response = client.post(open_url, {"kind": "transfer", "facts": FACTS, "legal_basis": BASIS})
    opened = EnforcementCase.objects.get()
    assert response.url == opened.get_absolute_url() and opened.hazard == hazard
    response = client.post(
        reverse("inspections:transfer_send", args=[opened.pk]),
        {
            "department": "market",
            "department_name": "岳阳楼区市场监督管理局",
            "contact": "",
            "sent_on": "2026-12-01",
        },
    )
    transfer = Transfer.objects.get()
    assert response.url == transfer.get_absolute_url()
    page = client.get(transfer.get_absolute_url()).content.decode()
    assert reverse("reports_staff:enforcement_document", args=["transfer", transfer.pk]) in page
    client.post(reverse("inspections:transfer_receive", args=[transfer.pk]), {"on": "2026-12-01"})
    response = client.post(
        reverse("inspections:transfer_answer", args=[transfer.pk]),
        {
            "on": "2026-12-01",
            "feedback": "已罚款",
            "with_penalty": "on",
            **fine(decided_on="2026-11-30"),
        },
    )
    assert response.status_code == 302
    penalty = Penalty.objects.get()
    assert penalty.transfer == transfer
    response = client.post(
        reverse("inspections:penalty_withdraw", args=[penalty.pk]), {"reason": "撤销"}
    )
    assert response.status_code == 200, "not without the confirmation"
    client.post(
        reverse("inspections:penalty_withdraw", args=[penalty.pk]),
        {"reason": "撤销", "confirm": "on"},
    )
    penalty.refresh_from_db()
    assert penalty.withdrawn_at is not None


def test_a_refused_penalty_form_says_why(opened, lead, as_user):
    response = as_user(lead).post(
        reverse("inspections:penalty_record", args=[opened.pk]),
        {**fine(amount="", decided_on="2026-11-30")},
    )
    assert response.status_code == 200
    assert "A fine needs its amount." in response.content.decode()


def test_the_case_list_is_scoped_and_costs_fixed_queries(
    world, lead, other_lead, as_user, django_assert_max_num_queries
):
    open_case(world["facility"], lead)
    client = as_user(lead)
    url = reverse("inspections:case_list")
    client.get(url)  # the session and the calendar of the first request
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _n in range(4):
        open_case(world["facility"], lead)
    with django_assert_max_num_queries(len(one)):
        page = client.get(url)
    assert page.content.decode().count("430602-2026-AJ") == 5
    other = as_user(other_lead).get(url).content.decode()
    assert "430602-2026-AJ" not in other


def test_another_county_and_the_facility_get_404_on_every_page(
    world, transfer, lead, other_lead, manager, as_user
):
    penalty = cases.penalty_record(case=transfer.case, by=lead, **fine())
    opened = transfer.case
    urls = [
        reverse("inspections:case_detail", args=[opened.pk]),
        reverse("inspections:case_decide", args=[opened.pk]),
        reverse("inspections:case_close", args=[opened.pk]),
        reverse("inspections:transfer_send", args=[opened.pk]),
        reverse("inspections:penalty_record", args=[opened.pk]),
        reverse("inspections:transfer_detail", args=[transfer.pk]),
        reverse("inspections:transfer_receive", args=[transfer.pk]),
        reverse("inspections:transfer_answer", args=[transfer.pk]),
        reverse("inspections:penalty_withdraw", args=[penalty.pk]),
        reverse("reports_staff:enforcement_document", args=["transfer", transfer.pk]),
        reverse("inspections:enforcement_case_open", args=["hazard", opened.hazard_id]),
        reverse("inspections:enforcement_case_open", args=["facility", world["facility"].pk]),
    ]
    for person in (other_lead, manager):
        client = as_user(person)
        for url in urls:
            if person == manager and "/cases/new/" in url:
                # Their own facility and its hazard: seen, and the case refused them.
                assert client.get(url).status_code == 403, url
                continue
            assert client.get(url).status_code == 404, f"{person} on {url}"
    # The county's lead reaches them all.
    client = as_user(lead)
    for url in urls:
        assert client.get(url).status_code == 200, url


# ---------------------------------------------------------------- credit file


def test_penalties_and_transfers_enter_the_credit_file_and_a_withdrawal_leaves_it(
    world, transfer, lead
):
    from inspections.credit import rules as credit_rules
    from inspections.credit.models import CreditEvent
    from inspections.credit.services import credit_collect

    home = world["facility"]
    penalty = cases.penalty_record(case=transfer.case, by=lead, **fine())
    credit_collect(today=timezone.localdate(), facility_ids=[home.pk])
    events = {e.key: e for e in CreditEvent.objects.filter(facility=home)}
    assert events[f"penalty:{penalty.pk}"].kind == CreditEvent.Kind.PENALTY
    assert events[f"penalty:{penalty.pk}"].occurred_on == date(2026, 11, 30)
    assert events[f"transfer:{transfer.pk}"].kind == CreditEvent.Kind.TRANSFER
    cases.penalty_withdraw(penalty=penalty, reason="行政复议撤销", by=lead)
    credit_collect(today=timezone.localdate(), facility_ids=[home.pk])
    assert CreditEvent.objects.get(key=f"penalty:{penalty.pk}").withdrawn
    rules = credit_rules.parse(credit_rules.default_text(), version=1)
    assert rules.weight("control_order") < 0 and rules.weight("interview") < 0
