"""The credit pages: the file, cases and their decisions, objections, lists, credit
repair, the facility form's class and the rule sets in the admin."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.audited import save_with_history
from inspections.credit import rules as credit_rules
from inspections.credit import services
from inspections.credit.models import CreditCase, CreditEvent, ListEntry, RuleSet
from registry.forms import FacilityForm
from registry.models import Facility, Region

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def web(user):
    """A client logged in as ``user`` that reads the pages in English."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def record(facility, lead, *, kind="entry_refused", detail="拒绝检查人员进入"):
    return services.credit_event_record(
        facility=facility,
        kind=kind,
        occurred_on=timezone.localdate(),
        detail=detail,
        by=lead,
    )


def file_url(facility):
    return reverse("inspections:credit_file", args=[facility.pk])


@pytest.fixture
def class_case(steady, lead):
    """The facility was typed in as A; its empty file scores 95, class B."""
    facility = steady["facility"]
    facility.risk_class = "A"
    save_with_history(facility)
    services.credit_recompute(facility_ids=[facility.pk])
    return CreditCase.objects.get(facility=facility, kind="class", status="pending")


@pytest.fixture
def refused_entry(steady, lead):
    """A refused entry recorded by the lead: a class case (B → D) and a proposed
    entry to the dishonesty list follow."""
    return record(steady["facility"], lead)


# ---------------------------------------------------------------- the file


def test_the_file_shows_the_class_the_score_and_each_event_with_its_points(
    refused_entry, lead, as_user
):
    html = web(lead).get(file_url(refused_entry.facility)).content.decode()
    assert re.search(r"data-score>65<", html)  # 95 − 30
    assert re.search(r"data-proposed>D ", html)
    assert "Refused to admit inspectors" in html and "拒绝检查人员进入" in html
    assert "-30 × 1 = <strong>-30</strong>" in html
    # Pending: the class case and the list entry the rules propose.
    assert "Class change" in html and "B → D" in html and "Entry to a list" in html


def test_a_lead_may_record_and_withdraw_a_manager_may_object(refused_entry, lead, manager):
    facility = refused_entry.facility
    lead_page = web(lead).get(file_url(facility)).content.decode()
    manager_page = web(manager).get(file_url(facility)).content.decode()
    withdraw = reverse("inspections:credit_event_withdraw", args=[refused_entry.pk])
    objection = reverse("inspections:credit_object", args=[refused_entry.pk])
    record_url = reverse("inspections:credit_event_record", args=[facility.pk])
    assert withdraw in lead_page and record_url in lead_page and objection not in lead_page
    assert objection in manager_page
    assert withdraw not in manager_page and record_url not in manager_page


def test_the_file_is_not_found_outside_the_scope(steady, other_manager, other_lead):
    url = file_url(steady["facility"])
    assert web(other_manager).get(url).status_code == 404
    assert web(other_lead).get(url).status_code == 404


def test_the_facility_page_links_to_its_credit_file(steady, manager):
    html = web(manager).get(steady["facility"].get_absolute_url()).content.decode()
    assert file_url(steady["facility"]) in html


def test_the_score_is_read_not_written(refused_entry, lead):
    facility = refused_entry.facility
    cases = CreditCase.objects.count()
    web(lead).get(file_url(facility))
    facility.refresh_from_db()
    assert facility.risk_class == "B" and CreditCase.objects.count() == cases


# ---------------------------------------------------------------- events by hand


def test_a_lead_records_an_event_from_the_page(steady, lead):
    facility = steady["facility"]
    url = reverse("inspections:credit_event_record", args=[facility.pk])
    response = web(lead).post(
        url,
        {
            "kind": "penalty",
            "occurred_on": timezone.localdate().isoformat(),
            "detail": "岳民罚〔2026〕3号",
            "note": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == file_url(facility)
    event = CreditEvent.objects.get(facility=facility, kind="penalty")
    assert event.recorded_by == lead and event.key.startswith("manual:")
    # Scored again at once: 95 − 20 = 75, class C, proposed for decision.
    assert CreditCase.objects.get(facility=facility, kind="class").proposed_class == "C"


def test_a_future_date_is_refused_on_the_form(steady, lead):
    url = reverse("inspections:credit_event_record", args=[steady["facility"].pk])
    response = web(lead).post(
        url,
        {
            "kind": "penalty",
            "occurred_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "detail": "岳民罚〔2026〕3号",
        },
    )
    assert response.status_code == 200
    assert "The event&#x27;s date cannot be in the future." in response.content.decode()
    assert not CreditEvent.objects.exists()


def test_only_kinds_without_a_source_are_offered(steady, lead):
    form = (
        web(lead)
        .get(reverse("inspections:credit_event_record", args=[steady["facility"].pk]))
        .context["form"]
    )
    assert {value for value, _label in form.fields["kind"].choices} == set(CreditEvent.RECORDED)


def test_a_withdrawal_needs_a_confirmation_and_then_strikes_the_event(refused_entry, lead):
    url = reverse("inspections:credit_event_withdraw", args=[refused_entry.pk])
    client = web(lead)
    response = client.post(url, {"reason": "记录有误，当日已进入检查"})
    assert response.status_code == 200
    assert "Tick the box to confirm the withdrawal." in response.content.decode()
    refused_entry.refresh_from_db()
    assert not refused_entry.withdrawn

    response = client.post(url, {"reason": "记录有误，当日已进入检查", "confirm": "on"})
    assert response.status_code == 302
    refused_entry.refresh_from_db()
    assert refused_entry.withdrawn
    html = client.get(file_url(refused_entry.facility)).content.decode()
    assert "<del>Refused to admit inspectors</del>" in html and "记录有误，当日已进入检查" in html
    assert re.search(r"data-score>95<", html)


def test_an_event_from_its_source_cannot_be_withdrawn_by_hand(steady, lead):
    from tests.inspections.conftest import make_hazard

    make_hazard(steady["facility"], lead, severity="major")
    services.credit_recompute(facility_ids=[steady["facility"].pk])
    event = CreditEvent.objects.get(kind="hazard_major")
    client = web(lead)
    response = client.get(reverse("inspections:credit_event_withdraw", args=[event.pk]))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Only an event recorded by hand can be withdrawn" in html


# ---------------------------------------------------------------- cases


def test_a_lead_decides_a_class_case_from_the_page(class_case, lead):
    url = class_case.get_absolute_url()
    client = web(lead)
    page = client.get(url)
    form = page.context["form"]
    assert [v for v, _l in form.fields["decision"].choices] == ["accepted", "overridden"]
    response = client.post(url, {"decision": "accepted", "confirm": "on"})
    assert response.status_code == 302
    facility = class_case.facility
    facility.refresh_from_db()
    assert facility.risk_class == "B"
    class_case.refresh_from_db()
    assert class_case.decision == "accepted" and class_case.decided_by == lead
    html = client.get(file_url(facility)).content.decode()
    history = re.findall(r"<tr data-history>(.*?)</tr>", html, re.S)
    assert len(history) == 1 and "A → <strong>B</strong>" in history[0]
    assert "v1" in history[0] and lead.display_name in history[0]
    # Decided: the form is gone.
    assert client.get(url).context["form"] is None


def test_an_override_without_a_reason_shows_the_error_and_changes_nothing(class_case, lead):
    response = web(lead).post(
        class_case.get_absolute_url(),
        {"decision": "overridden", "decided_class": "C", "reason": "", "confirm": "on"},
    )
    assert response.status_code == 200
    assert "Give the reason for this decision." in response.content.decode()
    class_case.refresh_from_db()
    class_case.facility.refresh_from_db()
    assert class_case.is_pending and class_case.facility.risk_class == "A"


def test_an_override_with_a_reason_sets_the_class_chosen(class_case, lead):
    web(lead).post(
        class_case.get_absolute_url(),
        {
            "decision": "overridden",
            "decided_class": "C",
            "reason": "消防设施老化，维持重点关注",
            "confirm": "on",
        },
    )
    class_case.facility.refresh_from_db()
    assert class_case.facility.risk_class == "C"


def test_a_decision_needs_the_confirmation(class_case, lead):
    response = web(lead).post(class_case.get_absolute_url(), {"decision": "accepted"})
    assert "Tick the box to confirm the decision." in response.content.decode()
    class_case.refresh_from_db()
    assert class_case.is_pending


def test_only_the_county_lead_decides(class_case, manager, inspector, other_lead):
    url = class_case.get_absolute_url()
    assert web(manager).get(url).context["form"] is None
    assert web(manager).post(url, {"decision": "accepted", "confirm": "on"}).status_code == 403
    assert web(inspector).post(url, {"decision": "accepted", "confirm": "on"}).status_code == 403
    assert web(other_lead).get(url).status_code == 404
    class_case.refresh_from_db()
    assert class_case.is_pending


def test_the_case_page_shows_the_basis(refused_entry, lead):
    case = CreditCase.objects.get(kind="class")
    html = web(lead).get(case.get_absolute_url()).content.decode()
    assert "Refused to admit inspectors" in html and "拒绝检查人员进入" in html
    assert "version 1" in html and "65" in html
    entry_case = CreditCase.objects.get(kind="list_entry")
    page = web(lead).get(entry_case.get_absolute_url())
    assert not page.context["weighed"]  # a list entry counts events, it does not weigh them
    assert "decided_class" not in page.context["form"].fields
    assert [v for v, _l in page.context["form"].fields["decision"].choices] == [
        "accepted",
        "refused",
    ]


def test_the_case_list_shows_pending_cases_in_scope(
    refused_entry, lead, other_lead, manager, other_manager, django_assert_max_num_queries
):
    url = reverse("inspections:credit_cases")
    client = web(lead)
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert refused_entry.facility.name in html and "B → D" in html
    assert refused_entry.facility.name in web(manager).get(url).content.decode()
    assert refused_entry.facility.name not in web(other_lead).get(url).content.decode()
    assert refused_entry.facility.name not in web(other_manager).get(url).content.decode()
    only_lists = web(lead).get(url, {"kind": "list_entry"}).context["page"]
    assert [c.kind for c in only_lists] == ["list_entry"]
    decided = web(lead).get(url, {"status": "decided"}).context["page"]
    assert list(decided) == []


def test_leads_find_the_cases_in_the_menu(lead, inspector):
    def menu(user):
        return [item["url"] for item in web(user).get("/").context["nav_items"]]

    assert reverse("inspections:credit_cases") in menu(lead)
    assert reverse("inspections:credit_cases") not in menu(inspector)


# ---------------------------------------------------------------- objections


def test_a_manager_objects_with_a_pdf_and_the_lead_sees_it(refused_entry, manager, lead):
    url = reverse("inspections:credit_object", args=[refused_entry.pk])
    client = web(manager)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reasons": "当日院长外出，值班人员未拒绝检查",
            "evidence": SimpleUploadedFile("情况说明.pdf", PDF, content_type="application/pdf"),
        },
    )
    case = CreditCase.objects.get(kind="objection")
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.event == refused_entry and case.opened_by == manager

    html = web(lead).get(case.get_absolute_url()).content.decode()
    evidence = reverse("inspections:credit_case_evidence", args=[case.pk])
    assert "当日院长外出" in html and evidence in html and case.evidence_sha256 in html
    download = web(lead).get(evidence)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    # The lead upholds it: the event is withdrawn and no longer counts.
    web(lead).post(
        case.get_absolute_url(),
        {"decision": "upheld", "reason": "监控记录证实未拒绝", "confirm": "on"},
    )
    refused_entry.refresh_from_db()
    assert refused_entry.withdrawn


def test_a_text_file_named_pdf_is_refused_with_a_message(refused_entry, manager):
    response = web(manager).post(
        reverse("inspections:credit_object", args=[refused_entry.pk]),
        {
            "reasons": "见附件",
            "evidence": SimpleUploadedFile(
                "说明.pdf", b"just some text", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 200
    assert "The evidence must be a PDF, JPEG or PNG file." in response.content.decode()
    assert not CreditCase.objects.filter(kind="objection").exists()


def test_a_second_objection_to_the_same_event_is_refused(refused_entry, manager):
    url = reverse("inspections:credit_object", args=[refused_entry.pk])
    client = web(manager)
    client.post(url, {"reasons": "并未拒绝"})
    response = client.get(url)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "An objection to this event is already waiting for the lead." in html
    assert CreditCase.objects.filter(kind="objection").count() == 1


def test_evidence_is_not_found_for_others_or_without_a_file(refused_entry, manager, other_lead):
    web(manager).post(
        reverse("inspections:credit_object", args=[refused_entry.pk]), {"reasons": "并未拒绝"}
    )
    case = CreditCase.objects.get(kind="objection")
    url = reverse("inspections:credit_case_evidence", args=[case.pk])
    assert web(manager).get(url).status_code == 404  # no file given
    assert web(other_lead).get(url).status_code == 404


# ---------------------------------------------------------------- lists and repair


@pytest.fixture
def listed(refused_entry, lead):
    case = CreditCase.objects.get(kind="list_entry")
    services.case_decide(case=case, decision="accepted", by=lead)
    return ListEntry.objects.get(entry_case=case)


def test_the_lists_page_shows_entries_in_scope_with_their_minimum_checks(
    listed, lead, other_lead, manager
):
    url = reverse("inspections:credit_lists")
    response = web(lead).get(url)
    html = response.content.decode()
    assert listed.facility.name in html and listed.entry_case.get_absolute_url() in html
    dishonest = next(row for row in response.context["summary"] if row["name"] == "dishonest")
    assert dishonest["count"] == 1
    assert dishonest["min_checks"] == credit_rules.current().lists["dishonest"].min_checks_per_year
    assert [row["min_checks"] for row in response.context["rows"]] == [dishonest["min_checks"]]
    assert listed.facility.name in web(manager).get(url).content.decode()
    assert listed.facility.name not in web(other_lead).get(url).content.decode()


def test_credit_repair_waits_then_the_manager_applies(listed, manager, suite_clock):
    client = web(manager)
    url = reverse("inspections:credit_repair", args=[listed.pk])
    html = client.get(file_url(listed.facility)).content.decode()
    assert url not in html and "when the waiting period ends" in html
    assert client.get(url).status_code == 302

    suite_clock.shift(timedelta(days=366))
    client = web(manager)  # the session of a year ago has expired
    assert url in client.get(file_url(listed.facility)).content.decode()
    response = client.post(url, {"reasons": "已整改完毕，配合检查"})
    case = CreditCase.objects.get(kind="repair")
    assert response["Location"] == case.get_absolute_url()
    assert case.list_name == "dishonest" and case.is_pending


# ---------------------------------------------------------------- the facility form


def test_the_facility_edit_form_no_longer_changes_the_class(steady, lead):
    facility = steady["facility"]
    url = reverse("registry:facility_edit", args=[facility.pk])
    client = web(lead)
    form = client.get(url).context["form"]
    assert form.fields["risk_class"].disabled
    data = {}
    for name in form.Meta.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update({"beds": 130, "risk_class": "D"})
    response = client.post(url, data)
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.beds == 130 and facility.risk_class == "B"


def test_a_new_facility_may_still_be_given_a_class(world):
    form = FacilityForm(regions=Region.objects.all())
    assert not form.fields["risk_class"].disabled
    existing = FacilityForm(instance=Facility.objects.first(), regions=Region.objects.all())
    assert existing.fields["risk_class"].disabled


# ---------------------------------------------------------------- the admin


@pytest.fixture
def site_admin(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_the_admin_adds_a_rule_set_version(steady, site_admin, lead):
    record(steady["facility"], lead)  # the default is stored as version 1
    client = web(site_admin)
    add = reverse("admin:inspections_ruleset_add")
    page = client.get(add)
    assert page.status_code == 200
    text = page.context["adminform"].form.initial["text"]
    assert "format: care-safety-credit/1" in text
    changed = text.replace("penalty: -20", "penalty: -25")
    response = client.post(add, {"text": changed, "note": "行政处罚权重按市局意见调整"})
    assert response.status_code == 302
    newest = RuleSet.objects.order_by("-version").first()
    assert newest.version == 2 and newest.created_by == site_admin
    assert credit_rules.current().weights["penalty"] == -25


def test_the_admin_refuses_bad_rules_and_keeps_versions_unchanged(steady, site_admin, lead):
    record(steady["facility"], lead)
    client = web(site_admin)
    response = client.post(
        reverse("admin:inspections_ruleset_add"),
        {"text": "format: care-safety-credit/1\nbase: [", "note": "试一下"},
    )
    assert response.status_code == 200
    assert "The rules are not valid YAML" in response.content.decode()
    assert RuleSet.objects.count() == 1
    version = RuleSet.objects.get()
    change = reverse("admin:inspections_ruleset_change", args=[version.pk])
    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"text": "x", "note": "y"}).status_code == 403
    delete = reverse("admin:inspections_ruleset_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert "format: care-safety-credit/1" in version.text


@pytest.mark.chinese
def test_the_credit_file_speaks_chinese_by_default(steady, lead):
    from tests.conftest import client_for

    facility = steady["facility"]
    services.credit_event_record(
        facility=facility,
        kind="penalty",
        occurred_on=timezone.localdate(),
        detail="岳民罚〔2026〕3号",
        by=lead,
    )
    html = client_for(lead).get(reverse("inspections:credit_file", args=[facility.pk])).text
    assert "行政处罚" in html and "信用" in html
