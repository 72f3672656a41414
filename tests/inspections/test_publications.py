"""一公开 review: a finished inspection's result waits for a county lead, who publishes
it (a frozen version), returns it with a reason, corrects it (a new version) or
withdraws it; the 20 working days are counted with the holiday calendar."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Photo
from inspections.publication import services as publication_services
from inspections.publication.models import Publication
from inspections.publication.selectors import result_hazard_counts
from registry import services as registry_services
from tests.enforcement.helpers import case_behind


@pytest.fixture
def publication(finished):
    return finished.publication


def test_finishing_an_official_inspection_queues_its_result_for_the_county_lead(
    publication, lead, other_lead
):
    assert publication.status == Publication.Status.PENDING
    assert publication.current is None and not publication.is_public
    # Two open hazards: rectification ordered is proposed.
    assert publication.category == Publication.Category.ORDERED
    assert lead.notifications.filter(url=publication.get_absolute_url()).exists()
    assert not other_lead.notifications.filter(url=publication.get_absolute_url()).exists()


def test_a_result_and_its_hazards_are_filed_under_the_facilitys_region_and_follow_it(
    publication, finished, world
):
    hazards = list(finished.hazards.all())
    assert hazards and all(h.region == world["facility"].region for h in hazards)
    assert publication.region == world["facility"].region
    # Moved outside the registry's service too (the admin saves the facility itself).
    facility = world["facility"]
    facility.region = world["other_county"]
    facility.save()
    publication.refresh_from_db()
    assert publication.region == world["other_county"]
    assert set(finished.hazards.values_list("region", flat=True)) == {world["other_county"].pk}


def test_the_twenty_working_days_skip_the_national_day_holiday(finished, inspector):
    registry_services.calendar_load_from_package(years=[2026])
    finished.publication.delete()
    finished.refresh_from_db()
    finished.finished_at = timezone.make_aware(datetime(2026, 9, 25, 16))
    finished.save()
    publication = publication_services.publication_open(inspection=finished, by=inspector)
    # From Fri 25 Sep: 28–30 Sep (3), 1–7 Oct off, 8–9 Oct (5), Saturday 10 Oct is a
    # make-up day (6), 12–16 (11), 19–23 (16), 26–29 Oct (20).
    assert publication.due_on == date(2026, 10, 29)
    assert publication.due_provisional is False


def test_a_limit_in_a_year_without_a_calendar_is_provisional(finished, inspector):
    finished.publication.delete()
    finished.refresh_from_db()
    finished.finished_at = timezone.make_aware(datetime(2031, 12, 20, 10))
    finished.save()
    publication = publication_services.publication_open(inspection=finished, by=inspector)
    assert publication.due_on.year == 2032
    assert publication.due_provisional is True


def test_a_self_inspection_is_not_published(world, manager, onsite_template):
    inspection = onsite_services.self_open(
        facility=world["facility"], templates=[onsite_template], by=manager
    )
    assert publication_services.publication_open(inspection=inspection, by=manager) is None


def test_publishing_freezes_the_public_text(publication, lead, finished):
    publication_services.publication_publish(
        publication=publication, by=lead, follow_up="责令限期整改，到期复查。"
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED
    version = publication.current
    assert version.number == 1 and version.published_by == lead
    content = version.content
    assert content["facility"]["credit_code"] == finished.facility.credit_code
    assert content["category"] == "ordered"
    assert content["follow_up"] == "责令限期整改，到期复查。"
    assert content["photos"] == []
    assert sum(row["failed"] for row in content["items"]) == 2
    # No person's name or contact in the public text.
    text = str(content)
    for member in finished.team.select_related("inspector__user"):
        assert member.inspector.user.display_name not in text
        assert member.inspector.credential_no not in text


def test_only_a_lead_of_the_county_publishes(publication, other_lead, inspector, manager):
    for user in (other_lead, inspector, manager):
        with pytest.raises(ValidationError, match="只有本辖区民政局负责人可以审核结果。"):
            publication_services.publication_publish(publication=publication, by=user)
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PENDING


def test_a_photo_is_public_only_with_the_no_person_confirmation(publication, lead, finished):
    photo = Photo.objects.filter(inspection=finished).first()
    with translation.override("en"), pytest.raises(ValidationError, match="no person"):
        publication_services.publication_publish(publication=publication, by=lead, photos=[photo])
    publication.refresh_from_db()
    assert publication.current is None
    publication_services.publication_publish(
        publication=publication, by=lead, photos=[photo], no_person_confirmed=True
    )
    publication.refresh_from_db()
    assert publication.current.content["photos"] == [photo.pk]


def test_a_photo_of_another_inspection_cannot_be_chosen(publication, lead, world):
    other = Photo.objects.exclude(inspection=publication.inspection).first()
    if other is None:
        other = Photo.objects.first()
        other.pk = None
        other.inspection = None
        other.save()
    with pytest.raises(ValidationError, match="只能公开本次检查的照片。"):
        publication_services.publication_publish(
            publication=publication, by=lead, photos=[other], no_person_confirmed=True
        )


def test_return_needs_a_reason_and_the_team_resubmits(publication, lead, inspector):
    with pytest.raises(ValidationError, match="请填写退回原因。"):
        publication_services.publication_return(publication=publication, by=lead, reason="  ")
    publication_services.publication_return(
        publication=publication, by=lead, reason="整改情况描述不完整"
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.RETURNED
    assert inspector.notifications.filter(text__contains="整改情况描述不完整").exists()
    case_behind(publication.inspection, lead)
    publication_services.publication_resubmit(
        publication=publication, by=inspector, category="penalty", follow_up="移送执法"
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PENDING
    assert publication.category == "penalty"


def test_a_correction_is_a_new_version_and_the_first_stays(publication, lead):
    publication_services.publication_publish(publication=publication, by=lead)
    with pytest.raises(ValidationError, match="请说明更正的内容。"):
        publication_services.publication_correct(publication=publication, by=lead, reason="")
    case_behind(publication.inspection, lead)
    publication_services.publication_correct(
        publication=publication, by=lead, reason="结果类别有误", category="penalty"
    )
    publication.refresh_from_db()
    first, second = publication.versions.order_by("number")
    assert (first.number, first.category) == (1, "ordered")
    assert (second.number, second.category, second.reason) == (2, "penalty", "结果类别有误")
    assert publication.current == second
    assert publication.status == Publication.Status.PUBLISHED


def test_a_withdrawal_keeps_the_public_record_with_its_reason(publication, lead):
    publication_services.publication_publish(publication=publication, by=lead)
    publication_services.publication_withdraw(
        publication=publication, by=lead, reason="检查对象有误"
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.WITHDRAWN
    assert publication.is_public and publication.withdrawn_reason == "检查对象有误"
    with pytest.raises(ValidationError, match="只有已发布的结果可以更正。"):
        publication_services.publication_correct(publication=publication, by=lead, reason="x")
    with pytest.raises(ValidationError, match="该结果已发布。"):
        publication_services.publication_publish(publication=publication, by=lead)


@pytest.mark.parametrize(
    ("action", "kwargs", "refusal"),
    [
        ("publication_return", {"reason": "x"}, "只有待审核的结果可以退回。"),
        ("publication_withdraw", {"reason": "x"}, "只有已发布的结果可以撤回。"),
        ("publication_correct", {"reason": "x"}, "只有已发布的结果可以更正。"),
    ],
)
def test_forbidden_transitions_from_pending_are_refused(publication, lead, action, kwargs, refusal):
    if action == "publication_return":
        publication_services.publication_return(publication=publication, by=lead, reason="先退回")
    with pytest.raises(ValidationError, match=refusal):
        getattr(publication_services, action)(publication=publication, by=lead, **kwargs)


def test_hazard_counts_follow_the_hazards_after_publication(publication, lead, general):
    publication_services.publication_publish(publication=publication, by=lead)
    assert result_hazard_counts(publication.inspection)["general"]["open"] == 1
    general.status = Hazard.Status.CLOSED
    general.save()
    counts = result_hazard_counts(publication.inspection)
    assert counts["general"]["open"] == 0
    assert counts["general"]["closed"] == 1
    assert counts["major"]["open"] == 1


def test_history_records_who_published(publication, lead):
    publication_services.publication_publish(publication=publication, by=lead)
    publication.refresh_from_db()
    assert publication.history.first().history_user == lead
    assert publication.current.history.first().history_user == lead


def test_the_proposed_category_follows_the_hazards(
    finished, world, lead, inspector, inspector2, onsite_template
):
    from inspections.publication.services import proposed_category

    assert proposed_category(finished) == Publication.Category.ORDERED
    for hazard in finished.hazards.all():
        hazard.status = Hazard.Status.CLOSED
        hazard.save()
    assert proposed_category(finished) == Publication.Category.CORRECTED
    clean = onsite_services.case_open(
        facility=world["facility"],
        complaint="复核",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[onsite_template],
        by=lead,
    )
    assert proposed_category(clean) == Publication.Category.NONE_FOUND


def test_a_published_version_cannot_be_edited_in_place(publication, lead):
    publication_services.publication_publish(publication=publication, by=lead)
    publication.refresh_from_db()
    version = publication.current
    version.content = {**version.content, "follow_up": "悄悄修改"}
    with pytest.raises(ValidationError, match="已发布的版本不能修改；如需修改，请发布更正。"):
        version.save()
    version.refresh_from_db()
    assert version.content["follow_up"] != "悄悄修改"


def test_the_public_copy_of_a_photo_is_stamped_without_the_inspectors_name(
    publication, lead, finished, monkeypatch
):
    from inspections.onsite import photos

    stamps, process = [], photos.process

    def spy(data, *, stamp_lines):
        stamps.append(stamp_lines)
        return process(data, stamp_lines=stamp_lines)

    monkeypatch.setattr(photos, "process", spy)
    photo = Photo.objects.filter(inspection=finished).first()
    publication_services.publication_publish(
        publication=publication, by=lead, photos=[photo], no_person_confirmed=True
    )
    [lines] = stamps
    assert finished.facility.name in lines
    assert photo.uploaded_by.display_name not in " ".join(lines)
    assert photo.preview.storage.exists(photo.public_name)
