"""The credit loop: facts become events, events move the score, a changed class is a
proposal a county lead decides, and every decision keeps its basis."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.audited import save_with_history
from inspections.credit import services
from inspections.credit.models import CreditCase, CreditEvent, ListEntry
from inspections.hazards.models import Hazard

from ..inspections.conftest import make_hazard

Decision = CreditCase.Decision
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def pending(facility, kind=CreditCase.Kind.CLASS):
    return CreditCase.objects.filter(facility=facility, kind=kind, status="pending")


@pytest.fixture
def facility(steady):
    return steady["facility"]


@pytest.fixture
def with_major(facility, lead):
    make_hazard(facility, lead, severity="major")
    return facility


def test_an_empty_file_proposes_nothing(facility):
    outcome = services.credit_recompute()
    assert outcome.facilities == 3
    assert outcome.opened == []
    assert not CreditCase.objects.exists()


def test_a_new_major_hazard_proposes_a_class_the_lead_accepts(with_major, lead):
    outcome = services.credit_recompute()
    case = pending(with_major).get()
    assert case in outcome.opened
    # A major hazard is put under supervision as it is registered: -10 and -8.
    assert (case.previous_class, case.proposed_class, case.score) == ("B", "C", 77)
    assert case.rules.version == 1
    assert sorted(row["kind"] for row in case.basis) == ["hazard_major", "major_supervised"]
    with_major.refresh_from_db()
    assert with_major.risk_class == "B"  # nothing moves before the lead decides

    services.case_decide(case=case, decision=Decision.ACCEPTED, by=lead)

    with_major.refresh_from_db()
    assert with_major.risk_class == "C"
    case.refresh_from_db()
    assert (case.status, case.decided_class, case.decided_by) == ("decided", "C", lead)
    change = with_major.history.first()
    assert (change.risk_class, change.history_user) == ("C", lead)


def test_running_twice_writes_each_fact_once_and_proposes_once(with_major):
    first = services.credit_recompute()
    second = services.credit_recompute()
    assert first.written == 2 and second.written == 0
    assert second.opened == []
    assert CreditEvent.objects.count() == 2
    assert pending(with_major).count() == 1


def test_an_override_needs_a_reason_and_is_not_proposed_again(with_major, lead):
    services.credit_recompute()
    case = pending(with_major).get()
    with pytest.raises(ValidationError, match="reason"):
        services.case_decide(case=case, decision=Decision.OVERRIDDEN, by=lead, decided_class="B")
    case.refresh_from_db()
    assert case.status == "pending"

    services.case_decide(
        case=case,
        decision=Decision.OVERRIDDEN,
        by=lead,
        decided_class="B",
        reason="隐患当日已整改，现场复核属实。",
    )
    with_major.refresh_from_db()
    assert with_major.risk_class == "B"
    assert services.credit_recompute().opened == []
    # A new event changes the file: the rules may propose again.
    make_hazard(with_major, lead, severity="general")
    assert [c.facility for c in services.credit_recompute().opened] == [with_major]


def test_only_a_lead_of_the_county_decides(with_major, other_lead, manager):
    services.credit_recompute()
    case = pending(with_major).get()
    for user in (other_lead, manager):
        with pytest.raises(ValidationError, match="Only a bureau lead of the county decides"):
            services.case_decide(case=case, decision=Decision.ACCEPTED, by=user)
    case.refresh_from_db()
    assert case.status == "pending"


def test_an_objection_upheld_withdraws_the_event_and_recomputes(facility, lead, manager):
    event = services.credit_event_record(
        facility=facility,
        kind="penalty",
        occurred_on=date(2026, 11, 2),
        detail="岳民罚〔2026〕3号",
        by=lead,
    )
    proposal = pending(facility).get()
    assert (proposal.proposed_class, proposal.score) == ("C", 75)
    objection = services.objection_file(
        event=event,
        reasons="该处罚已被复议撤销。",
        evidence=SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf"),
        by=manager,
    )
    assert objection.evidence_sha256 and objection.evidence.name.endswith(".pdf")
    with pytest.raises(ValidationError, match="already waiting"):
        services.objection_file(event=event, reasons="再次申辩", by=manager)  # one at a time

    with pytest.raises(ValidationError, match="reason"):
        services.case_decide(case=objection, decision=Decision.UPHELD, by=lead)
    services.case_decide(case=objection, decision=Decision.UPHELD, by=lead, reason="复议决定属实。")

    event.refresh_from_db()
    assert event.withdrawn and event.withdrawn_by == lead
    assert event.history.count() == 2
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"  # back to 95: the C proposal no longer applies


def test_an_objection_dismissed_keeps_the_event(with_major, lead, manager):
    services.credit_recompute()
    event = CreditEvent.objects.get(kind="hazard_major")
    case = services.objection_file(event=event, reasons="不服。", by=manager)
    services.case_decide(case=case, decision=Decision.DISMISSED, by=lead, reason="证据不足。")
    event.refresh_from_db()
    assert not event.withdrawn


@pytest.mark.parametrize(
    "data,name",
    [(b"just text, not a pdf", "proof.pdf"), (b"%PDF-1.4 truncated", "proof.pdf")],
)
def test_evidence_is_checked_by_content(with_major, manager, data, name):
    services.credit_recompute()
    event = CreditEvent.objects.get(kind="hazard_major")
    with pytest.raises(ValidationError, match="PDF, JPEG or PNG"):
        services.objection_file(
            event=event, reasons="理由", evidence=SimpleUploadedFile(name, data), by=manager
        )
    assert not CreditCase.objects.filter(kind="objection").exists()


def test_only_the_facilitys_manager_objects(with_major, other_manager, lead):
    services.credit_recompute()
    with pytest.raises(ValidationError, match="Only a manager of the facility"):
        services.objection_file(
            event=CreditEvent.objects.get(kind="hazard_major"), reasons="x", by=other_manager
        )


def test_a_major_hazard_proposes_the_key_list_and_repair_follows_its_rules(
    with_major, lead, manager, suite_clock
):
    services.credit_recompute()
    entry_case = pending(with_major, CreditCase.Kind.LIST_ENTRY).get()
    assert entry_case.list_name == "key"
    assert [row["kind"] for row in entry_case.basis] == ["hazard_major"]
    services.case_decide(case=entry_case, decision=Decision.ACCEPTED, by=lead)
    entry = ListEntry.objects.get(facility=with_major, exited_on=None)
    assert entry.entered_on == date(2026, 12, 1)
    assert services.credit_recompute().opened == [] or all(
        c.kind == "class" for c in CreditCase.objects.filter(status="pending")
    )

    # Too early: the waiting period (180 days) has not passed.
    with pytest.raises(ValidationError, match="waiting period"):
        services.repair_apply(entry=entry, reasons="已整改完毕。", by=manager)

    suite_clock.move_to(entry.entered_on + timedelta(days=181))
    # Still an open hazard.
    with pytest.raises(ValidationError, match="closed"):
        services.repair_apply(entry=entry, reasons="已整改完毕。", by=manager)
    for hazard in Hazard.objects.filter(facility=with_major):
        hazard.status = Hazard.Status.CLOSED
        save_with_history(hazard)
    case = services.repair_apply(entry=entry, reasons="已整改完毕。", by=manager)
    with pytest.raises(ValidationError, match="reason"):
        services.case_decide(case=case, decision=Decision.REFUSED, by=lead)
    services.case_decide(case=case, decision=Decision.ACCEPTED, by=lead)
    entry.refresh_from_db()
    assert entry.exited_on == date(2027, 5, 31) and entry.exit_case == case


def test_a_refused_list_entry_is_not_proposed_again_until_the_file_changes(with_major, lead):
    services.credit_recompute()
    case = pending(with_major, CreditCase.Kind.LIST_ENTRY).get()
    services.case_decide(case=case, decision=Decision.REFUSED, by=lead, reason="已当场整改。")
    services.credit_recompute()
    assert not pending(with_major, CreditCase.Kind.LIST_ENTRY).exists()


def test_a_lead_records_a_refused_entry_and_the_facility_is_scored_at_once(facility, lead):
    services.credit_event_record(
        facility=facility,
        kind="entry_refused",
        occurred_on=date(2026, 11, 30),
        detail="岳民监〔2026〕12号",
        by=lead,
    )
    proposal = pending(facility).get()
    assert (proposal.proposed_class, proposal.score) == ("D", 65)
    assert pending(facility, CreditCase.Kind.LIST_ENTRY).get().list_name == "dishonest"


@pytest.mark.parametrize(
    "kind,day,message",
    [
        ("hazard_major", date(2026, 11, 30), "from its source"),
        ("penalty", date(2026, 12, 2), "future"),
        ("penalty", None, "date"),
    ],
)
def test_recording_refuses_bad_input(facility, lead, kind, day, message):
    with pytest.raises(ValidationError, match=message):
        services.credit_event_record(
            facility=facility, kind=kind, occurred_on=day, detail="x", by=lead
        )
    assert not CreditEvent.objects.exists()


def test_only_a_county_lead_records(facility, other_lead, manager):
    for user in (other_lead, manager):
        with pytest.raises(ValidationError, match="Only a bureau lead of the county records"):
            services.credit_event_record(
                facility=facility,
                kind="penalty",
                occurred_on=date(2026, 11, 1),
                detail="x",
                by=user,
            )


def test_a_new_grading_level_replaces_the_old(facility):
    facility.star_level = 3
    save_with_history(facility)
    services.credit_collect(today=date(2026, 12, 1))
    facility.star_level = 4
    save_with_history(facility)
    services.credit_collect(today=date(2026, 12, 1))
    standing = CreditEvent.objects.filter(kind="grade", withdrawn_at=None)
    assert [e.detail for e in standing] == ["4"]
    assert CreditEvent.objects.filter(kind="grade").count() == 2


def test_a_rule_set_loaded_becomes_the_next_version_and_reweighs(with_major, lead):
    from inspections.credit import rules

    services.credit_recompute()
    text = (
        rules.default_text()
        .replace("hazard_major: -10", "hazard_major: -1")
        .replace("major_supervised: -8", "major_supervised: -1")
    )
    loaded = services.rules_load(text=text, note="试行权重", by=lead)
    assert loaded.version == 2
    services.credit_recompute()
    # -1 keeps the facility in B: the C proposal lapses.
    assert not pending(with_major).exists()
    with pytest.raises(ValidationError, match="format: care-safety-credit/1"):
        services.rules_load(text="format: nope", note="坏的", by=lead)


def test_local_date_decides_the_day_of_an_event(facility, lead):
    # 06:30 in Shanghai on 1 December is still 30 November in UTC.
    with time_machine.travel("2026-12-01T06:30:00+08:00", tick=False):
        services.credit_event_record(
            facility=facility, kind="penalty", occurred_on=date(2026, 12, 1), detail="x", by=lead
        )
    assert CreditEvent.objects.get(kind="penalty").occurred_on == date(2026, 12, 1)


def test_a_monthly_run_reads_what_changed_since_the_last_and_full_reads_all(facility, lead):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from inspections.credit.models import CollectMark

    services.credit_recompute()
    assert CollectMark.objects.count() == len(services.sources.SOURCES)
    # A hazard written with an old registration time (an import of old paper records)
    # is before every mark: a monthly run does not read it again, a full run does.
    old = make_hazard(facility, lead, severity="general")
    old.created_at = datetime(2025, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    save_with_history(old)
    assert services.credit_recompute().written == 0
    assert services.credit_recompute(full=True).written == 1
    # A run for one facility reads its whole file and moves no mark.
    marks = dict(CollectMark.objects.values_list("source", "through"))
    services.credit_recompute(facility_ids=[facility.pk])
    assert dict(CollectMark.objects.values_list("source", "through")) == marks
