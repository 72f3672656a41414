"""Complaints from the public (投诉举报): the public form and its limits, the lookup by
tracking number and query code, the county lead's triage and reply, the reminders,
who sees the complainant, the credit file and the leads' overview."""

import hashlib
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.models import Notification
from inspections.complaints import alarms, services
from inspections.complaints.models import Complaint, ComplaintAlarm
from inspections.credit import services as credit_services
from inspections.credit.models import CreditEvent
from inspections.enforcement.models import EnforcementCase, Transfer
from inspections.onsite.models import Inspection
from tests.inspections.conftest import published_template  # noqa: F401  (fixture)

FORM = "/public/complaints/"
LOOKUP = "/public/complaints/lookup/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NAME, PHONE = "王秀兰", "13912345678"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def png(size=(60, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def submit(world, *, text="夜里护理员不在岗，老人摔倒无人管", address="198.51.100.7", **extra):
    values = {
        "county": world["county"],
        "facility": world["facility"],
        "facility_text": "",
        "category": "care",
        "text": text,
        "name": NAME,
        "phone": PHONE,
        "address": address,
        **extra,
    }
    return services.complaint_submit(**values)


def post_form(client, world, *, text="床单一个月没换", files=(), address="203.0.113.9", **extra):
    data = {
        "county": world["county"].pk,
        "facility": world["facility"].pk,
        "category": "care",
        "text": text,
        "name": NAME,
        "phone": PHONE,
        **extra,
    }
    if files:
        data["uploads"] = list(files)
    return client.post(FORM, data, REMOTE_ADDR=address, **EN)


# ---------------------------------------------------------------- the public form


def test_a_public_complaint_is_numbered_and_its_code_shown_once_and_only_hashed(client, world):
    response = post_form(client, world, files=[png()])
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert re.fullmatch(r"430602-\d{4}-TS0001", complaint.number)
    assert complaint.channel == Complaint.Channel.WEB
    assert complaint.region == world["county"]
    assert complaint.photos.count() == 1
    assert complaint.source_hash and "203.0.113.9" not in complaint.source_hash
    page = client.get(response["Location"], **EN)
    code = page.context["code"]
    assert len(code) == 8 and code in page.content.decode()
    assert complaint.query_code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert "shown only this once" in page.content.decode()
    again = client.get(response["Location"], **EN)
    assert code not in again.content.decode()
    # The reply is due 15 working days later (2026-12-01 is a Tuesday).
    assert complaint.reply_due_on == date(2026, 12, 22)
    second = submit(world, text="另一件事")
    assert second.complaint.number.endswith("TS0002")


def test_the_form_refuses_a_file_that_is_not_an_image(client, world):
    text_file = SimpleUploadedFile("photo.jpg", b"not a photo at all\n" * 50)
    response = post_form(client, world, files=[text_file])
    assert response.status_code == 200
    assert "This file is not a photo" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_form_refuses_an_oversized_photo(client, world):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024 + 10))
    response = post_form(client, world, files=[big])
    assert "larger than 20 MB" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_form_refuses_more_than_five_photos(client, world):
    response = post_form(client, world, files=[png() for _ in range(6)])
    assert "Attach at most 5 photos (there are 6)." in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_form_needs_a_facility_and_a_text(client, world):
    response = post_form(client, world, text="", facility="")
    content = response.content.decode()
    assert "Describe what happened." in content
    with pytest.raises(ValidationError, match="Choose the facility or type its name"):
        submit(world, facility=None)
    with pytest.raises(ValidationError, match="not in the chosen county"):
        submit(world, facility=world["far_facility"])
    with pytest.raises(ValidationError, match="phone number in digits"):
        submit(world, phone="call me")
    typed = submit(world, facility=None, facility_text="城南某养老院")
    assert typed.complaint.facility is None and typed.complaint.region == world["county"]


def test_the_form_is_limited_per_source_with_429(client, world, settings):
    settings.COMPLAINT_LIMIT_PER_HOUR = 3
    for n in range(3):
        assert post_form(client, world, text=f"第{n}件事", phone="").status_code == 302
    response = post_form(client, world, text="第四件事", phone="")
    assert response.status_code == 429
    assert "Too many complaints in the last hour" in response.content.decode()
    # Another address is not held back.
    assert (
        post_form(client, world, text="第四件事", phone="", address="192.0.2.50").status_code == 302
    )


def test_the_form_is_limited_per_phone_and_per_day(world, settings, suite_clock):
    settings.COMPLAINT_LIMIT_PER_HOUR = 2
    settings.COMPLAINT_LIMIT_PER_DAY = 3
    submit(world, text="一", address="192.0.2.1")
    submit(world, text="二", address="192.0.2.2")
    with pytest.raises(services.RateLimited, match="Too many complaints in the last hour"):
        submit(world, text="三", address="192.0.2.3")
    suite_clock.shift(timedelta(hours=2))
    submit(world, text="三", address="192.0.2.3")
    with pytest.raises(services.RateLimited, match="Too many complaints today"):
        submit(world, text="四", address="192.0.2.4")


def test_the_same_text_from_the_same_source_is_refused_as_a_duplicate(client, world):
    assert post_form(client, world, text="同一件事", phone="").status_code == 302
    response = post_form(client, world, text="同一件事", phone="")
    assert response.status_code == 429
    assert "The same complaint was already received from here today" in response.content.decode()


# ---------------------------------------------------------------- the lookup


def test_the_lookup_shows_status_and_reply_with_the_right_code(client, world, lead):
    received = submit(world)
    response = client.post(
        LOOKUP, {"number": received.complaint.number, "code": received.code.lower()}, **EN
    )
    content = response.content.decode()
    assert "Received: the county bureau is examining it." in content
    services.complaint_refuse(complaint=received.complaint, reason="不属于民政部门职责", by=lead)
    response = client.post(
        LOOKUP, {"number": received.complaint.number, "code": received.code}, **EN
    )
    content = response.content.decode()
    assert "不属于民政部门职责" in content
    assert NAME not in content and PHONE not in content


def test_a_wrong_code_reads_like_an_unknown_number_and_never_shows_another(client, world):
    mine, other = submit(world), submit(world, text="别人的投诉", address="192.0.2.99", phone="")
    wrong = client.post(LOOKUP, {"number": mine.complaint.number, "code": other.code}, **EN)
    unknown = client.post(LOOKUP, {"number": "430602-2026-TS9999", "code": mine.code}, **EN)
    assert wrong.context["complaint"] is None and unknown.context["complaint"] is None
    message = "No complaint matches this tracking number and query code."
    assert message in wrong.content.decode() and message in unknown.content.decode()
    assert "别人的投诉" not in wrong.content.decode()
    right = client.post(LOOKUP, {"number": other.complaint.number, "code": other.code}, **EN)
    assert right.context["complaint"] == other.complaint
    assert mine.complaint.number not in right.content.decode()


def test_the_lookup_is_limited_against_guessing(client, world, settings):
    settings.COMPLAINT_LOOKUP_LIMIT = 3
    received = submit(world)
    for _ in range(3):
        client.post(LOOKUP, {"number": received.complaint.number, "code": "AAAAAAAA"}, **EN)
    response = client.post(
        LOOKUP, {"number": received.complaint.number, "code": received.code}, **EN
    )
    assert response.status_code == 429
    assert "Too many look-ups from here" in response.content.decode()
    assert response.context["complaint"] is None


def test_the_lookup_needs_the_csrf_token(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    received = submit(world)
    response = strict.post(LOOKUP, {"number": received.complaint.number, "code": received.code})
    assert response.status_code == 403


# ---------------------------------------------------------------- triage and reply


def test_out_of_scope_is_the_reply(world, lead):
    received = submit(world)
    with pytest.raises(ValidationError, match="Say why the complaint is not in scope"):
        services.complaint_refuse(complaint=received.complaint, reason=" ", by=lead)
    complaint = services.complaint_refuse(
        complaint=received.complaint, reason="属劳动争议", by=lead
    )
    assert complaint.status == Complaint.Status.OUT_OF_SCOPE and complaint.reply == "属劳动争议"
    with pytest.raises(ValidationError, match="already triaged"):
        services.complaint_answer(complaint=complaint, reason="", by=lead)


def test_passing_on_opens_a_transfer_case_with_its_letter(world, lead):
    received = submit(world)
    complaint = services.complaint_pass_on(
        complaint=received.complaint,
        department=world["fire"],
        legal_basis="《消防法》第五十三条",
        by=lead,
    )
    assert complaint.status == Complaint.Status.PASSED_ON and complaint.passed_to == world["fire"]
    case = EnforcementCase.objects.get(complaint=complaint)
    assert case.kind == EnforcementCase.Kind.TRANSFER and case.complaint_ref == complaint.number
    assert complaint.number in case.facts and NAME not in case.facts
    transfer = Transfer.objects.get(case=case)
    assert transfer.department == Transfer.Department.FIRE
    assert transfer.department_name == world["fire"].name


def test_passing_on_to_civil_affairs_or_an_unmatched_facility_is_refused(world, lead):
    received = submit(world, facility=None, facility_text="城南某养老院")
    with pytest.raises(ValidationError, match="another department than civil affairs"):
        services.complaint_pass_on(
            complaint=received.complaint, department=world["civil"], legal_basis="x", by=lead
        )
    with pytest.raises(ValidationError, match="Match the complaint to a facility"):
        services.complaint_pass_on(
            complaint=received.complaint, department=world["fire"], legal_basis="x", by=lead
        )
    complaint = services.complaint_pass_on(
        complaint=received.complaint,
        department=world["fire"],
        legal_basis="x",
        facility=world["facility"],
        by=lead,
    )
    assert complaint.facility == world["facility"]


def test_investigating_opens_a_linked_case_inspection(
    world,
    lead,
    inspector,
    inspector2,
    published_template,  # noqa: F811
):
    received = submit(world)
    complaint = services.complaint_investigate(
        complaint=received.complaint,
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[published_template],
        by=lead,
    )
    inspection = complaint.inspection
    assert complaint.status == Complaint.Status.INVESTIGATING
    assert inspection.kind == Inspection.Kind.CASE and inspection.unannounced
    assert complaint.number in inspection.source_note and PHONE not in inspection.source_note


def test_only_a_county_lead_triages_and_replies(world, lead, inspector, other_lead):
    received = submit(world)
    for user in (inspector, other_lead):
        with pytest.raises(ValidationError, match="Only a bureau lead of the county triages"):
            services.complaint_answer(complaint=received.complaint, reason="", by=user)
    with pytest.raises(ValidationError, match="Triage the complaint before recording the reply"):
        services.complaint_reply(
            complaint=received.complaint, reply="x", substantiated=True, by=lead
        )
    services.complaint_answer(complaint=received.complaint, reason="", by=lead)
    with pytest.raises(ValidationError, match="Only a bureau lead of the county replies"):
        services.complaint_reply(
            complaint=received.complaint, reply="x", substantiated=True, by=inspector
        )
    with pytest.raises(ValidationError, match="Say whether the complaint proved true"):
        services.complaint_reply(
            complaint=received.complaint, reply="x", substantiated=None, by=lead
        )
    services.complaint_reply(
        complaint=received.complaint, reply="已核实并责令整改", substantiated=True, by=lead
    )
    with pytest.raises(ValidationError, match="already answered"):
        services.complaint_reply(
            complaint=received.complaint, reply="y", substantiated=False, by=lead
        )


def test_triage_and_reply_pages_confirm_and_record(world, lead, as_user):
    received = submit(world)
    client = as_user(lead)
    page = client.get(f"/inspections/complaints/{received.complaint.pk}/triage/answer/", **EN)
    assert "cannot be changed afterwards" in page.content.decode()
    response = client.post(
        f"/inspections/complaints/{received.complaint.pk}/triage/answer/", {"reason": ""}, **EN
    )
    assert response.status_code == 302
    response = client.post(
        f"/inspections/complaints/{received.complaint.pk}/reply/",
        {"reply": "已责令整改", "substantiated": "yes"},
        **EN,
    )
    assert response.status_code == 302
    received.complaint.refresh_from_db()
    assert received.complaint.status == Complaint.Status.REPLIED
    assert received.complaint.substantiated is True


def test_staff_record_a_phone_complaint_and_see_the_code_once(world, inspector, as_user):
    client = as_user(inspector)
    response = client.post(
        "/inspections/complaints/new/",
        {
            "channel": "phone",
            "county": world["county"].pk,
            "facility": world["facility"].pk,
            "category": "food",
            "text": "饭菜变质",
        },
        **EN,
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == Complaint.Channel.PHONE and complaint.received_by == inspector
    page = client.get(response["Location"], **EN)
    assert page.context["code"] and page.context["code"] in page.content.decode()
    assert not client.get(response["Location"], **EN).context["code"]


# ---------------------------------------------------------------- reminders


def test_reminders_go_off_once_on_the_due_day_and_when_late(world, lead, other_lead):
    received = submit(world)
    due = received.complaint.reply_due_on
    at = datetime(due.year, due.month, due.day, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert alarms.complaint_alarms_dispatch(now=at - timedelta(days=1)) == 0
    assert alarms.complaint_alarms_dispatch(now=at) == 1
    assert alarms.complaint_alarms_dispatch(now=at) == 0
    assert alarms.complaint_alarms_dispatch(now=at + timedelta(days=1)) == 1
    assert alarms.complaint_alarms_dispatch(now=at + timedelta(days=1)) == 0
    # Every 5 working days while it stays late (the 23rd + 5 working days: the 30th).
    assert alarms.complaint_alarms_dispatch(now=at + timedelta(days=8)) == 1
    assert alarms.complaint_alarms_dispatch(now=at + timedelta(days=8)) == 0
    kinds = list(ComplaintAlarm.objects.values_list("kind", "on"))
    assert kinds == [
        ("due", due),
        ("late", due + timedelta(days=1)),
        ("late", date(2026, 12, 30)),
    ]
    told = Notification.objects.filter(user=lead)
    assert told.count() == 3 and received.complaint.number in told.first().text
    assert not Notification.objects.filter(user=other_lead).exists()


def test_a_replied_complaint_is_not_reminded(world, lead):
    received = submit(world)
    services.complaint_refuse(complaint=received.complaint, reason="不属本局", by=lead)
    due = received.complaint.reply_due_on
    at = datetime(due.year, due.month, due.day, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert alarms.complaint_alarms_dispatch(now=at + timedelta(days=3)) == 0


def test_the_dispatcher_command_sends_complaint_reminders(world, lead, suite_clock):
    from django.core.management import call_command

    received = submit(world)
    suite_clock.move_to(
        datetime.combine(received.complaint.reply_due_on, datetime.min.time()).replace(
            hour=10, tzinfo=ZoneInfo("Asia/Shanghai")
        )
    )
    out = io.StringIO()
    call_command("workflow_timers", stdout=out)
    call_command("workflow_timers", stdout=out)
    assert "1 complaint reply reminder(s) sent" in out.getvalue()
    assert ComplaintAlarm.objects.count() == 1


# ---------------------------------------------------------------- who sees the complainant


def test_only_the_county_lead_sees_who_complained(world, lead, inspector, auditor, as_user):
    received = submit(world)
    url = f"/inspections/complaints/{received.complaint.pk}/"
    assert NAME in as_user(lead).get(url, **EN).content.decode()
    for user in (inspector, auditor):
        content = as_user(user).get(url, **EN).content.decode()
        assert "夜里护理员不在岗" in content
        assert NAME not in content and PHONE not in content
    listing = as_user(lead).get("/inspections/complaints/", **EN).content.decode()
    assert received.complaint.number in listing and NAME not in listing


def test_the_facility_never_sees_a_complaint(world, manager, lead, as_user, published_template):  # noqa: F811
    received = submit(world, uploads=[png()])
    client = as_user(manager)
    complaint = received.complaint
    assert client.get(f"/inspections/complaints/{complaint.pk}/").status_code == 404
    assert client.get(f"/inspections/complaints/{complaint.pk}/reply/").status_code == 404
    photo = complaint.photos.get()
    assert client.get(f"/inspections/complaint-photos/{photo.pk}/").status_code == 404
    assert client.get("/inspections/complaints/").status_code == 403
    facility_page = client.get(f"/registry/facilities/{world['facility'].pk}/").content.decode()
    assert NAME not in facility_page and complaint.number not in facility_page


def test_no_public_output_names_the_complainant(client, world, lead):
    from reports.tokens import api_token_create

    received = submit(world)
    services.complaint_answer(complaint=received.complaint, reason="", by=lead)
    services.complaint_reply(
        complaint=received.complaint, reply="已整改", substantiated=True, by=lead
    )
    credit_services.credit_collect(today=date(2026, 12, 1))
    _token, key = api_token_create(name="county", region_codes=[world["county"].code])
    urls = [
        "/public/",
        "/public/results/",
        "/public/results.csv",
        "/public/results.json",
        "/public/penalties.csv",
        "/public/penalties.json",
        "/public/draws.json",
        f"/public/facilities/{world['facility'].pk}/",
    ]
    for url in urls:
        response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        assert NAME not in text and PHONE not in text, url
    for endpoint in ("results", "hazards", "credit", "plans", "draws"):
        response = client.get(f"/api/{endpoint}/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200
        assert NAME not in response.content.decode() and PHONE not in response.content.decode()


def test_the_complainant_stays_out_of_the_history(world):
    received = submit(world)
    record = received.complaint.history.first()
    assert not hasattr(record, "complainant_name") and not hasattr(record, "complainant_phone")


def test_staff_see_photos_re_encoded_through_the_checked_view(
    world, inspector, other_lead, as_user
):
    received = submit(world, uploads=[png()])
    photo = received.complaint.photos.get()
    assert photo.sha256 and photo.format == "PNG"
    response = as_user(inspector).get(f"/inspections/complaint-photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert as_user(other_lead).get(f"/inspections/complaint-photos/{photo.pk}/").status_code == 404


# ---------------------------------------------------------------- credit and overview


def test_a_substantiated_complaint_counts_once_in_the_credit_file(world, lead):
    received = submit(world)
    services.complaint_answer(complaint=received.complaint, reason="", by=lead)
    unproven = submit(world, text="另一件", address="192.0.2.77")
    services.complaint_answer(complaint=unproven.complaint, reason="", by=lead)
    services.complaint_reply(
        complaint=unproven.complaint, reply="查无实据", substantiated=False, by=lead
    )
    services.complaint_reply(
        complaint=received.complaint, reply="属实", substantiated=True, by=lead
    )
    credit_services.credit_collect(today=date(2026, 12, 1))
    credit_services.credit_collect(today=date(2026, 12, 1), full=True)
    events = CreditEvent.objects.filter(kind=CreditEvent.Kind.COMPLAINT_SUBSTANTIATED)
    assert list(events.values_list("key", flat=True)) == [f"complaint:{received.complaint.pk}"]
    assert events.get().facility == world["facility"]


def test_a_complaint_recorded_by_hand_first_is_not_counted_again(world, lead):
    received = submit(world)
    credit_services.credit_event_record(
        facility=world["facility"],
        kind=CreditEvent.Kind.COMPLAINT_SUBSTANTIATED,
        occurred_on=date(2026, 11, 30),
        detail=received.complaint.number,
        by=lead,
    )
    services.complaint_answer(complaint=received.complaint, reason="", by=lead)
    services.complaint_reply(
        complaint=received.complaint, reply="属实", substantiated=True, by=lead
    )
    credit_services.credit_collect(today=date(2026, 12, 1), full=True)
    assert CreditEvent.objects.filter(kind=CreditEvent.Kind.COMPLAINT_SUBSTANTIATED).count() == 1


def test_the_overview_counts_complaints_per_category_month_and_facility(world, lead, as_user):
    submit(world, text="一")
    submit(world, text="二", category="food", address="192.0.2.20")
    submit(world, text="三", facility=world["other_facility"], address="192.0.2.21")
    with time_machine.travel(datetime(2026, 12, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        response = as_user(lead).get("/reports/overview/?from=2026-11&to=2026-12", **EN)
    sections = {section.key: section for section in response.context["sections"]}
    months = {line.label: line for line in sections["complaints"].lines}
    december = months["2026-12"]
    columns = sections["complaints"].columns
    values = dict(zip(columns, (cell.value for cell in december.cells), strict=True))
    assert values["Care and services"] == 2 and values["Food safety"] == 1 and values["Total"] == 3
    assert months["2026-11"].cells[-1].value == 0
    ranked = [(line.label, line.cells[0].value) for line in sections["complaint_facilities"].lines]
    assert ranked == [(world["facility"].name, 2), (world["other_facility"].name, 1)]
    assert NAME not in response.content.decode()
