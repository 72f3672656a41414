"""The published category and the inspection's own result agree with its hazards
(DOMAIN.md §8): no hazard reads 未发现问题 only, open hazards never read 未发现问题 or
发现问题已整改, and an inspection that registered a hazard never reads a plain 合格."""

import pytest
from django.core.exceptions import ValidationError

from checklists.scoring import Result
from inspections.hazards.models import Hazard
from inspections.onsite import services as onsite_services
from inspections.publication import services as publication_services
from inspections.publication.models import Publication
from inspections.publication.services import categories_allowed
from tests.enforcement.helpers import case_behind

from .conftest import finish_case, make_template
from .test_onsite import answer, sign_and_confirm

Category = Publication.Category


@pytest.fixture
def published(finished, lead):
    """Published as proposed: two open hazards, rectification ordered."""
    publication_services.publication_publish(publication=finished.publication, by=lead)
    finished.publication.refresh_from_db()
    return finished.publication


@pytest.fixture
def clean(world, onsite_template, inspector, inspector2):
    """A finished inspection that found nothing."""
    return finish_case(world["facility"], onsite_template, (inspector, inspector2), fail=())


@pytest.mark.parametrize(
    ("category", "label"),
    [(Category.NONE_FOUND, "未发现问题"), (Category.CORRECTED, "发现问题已整改")],
)
def test_it_refuses_to_correct_a_result_with_open_hazards_to_a_category_that_denies_them(
    published, lead, category, label
):
    with pytest.raises(ValidationError, match=f"“{label}”与本次检查的隐患不符"):
        publication_services.publication_correct(
            publication=published, by=lead, reason="类别更正", category=category
        )
    published.refresh_from_db()
    assert published.current.category == Category.ORDERED
    assert published.versions.count() == 1


def test_it_refuses_to_publish_a_result_with_open_hazards_as_nothing_found(finished, lead):
    with pytest.raises(ValidationError, match="可选：发现问题责令整改 / 移送处罚"):
        publication_services.publication_publish(
            publication=finished.publication, by=lead, category=Category.NONE_FOUND
        )


def test_it_refuses_the_team_a_resubmission_that_denies_the_hazards(finished, lead, inspector):
    publication = finished.publication
    publication_services.publication_return(publication=publication, by=lead, reason="请核对类别")
    with pytest.raises(ValidationError, match="未发现问题"):
        publication_services.publication_resubmit(
            publication=publication, by=inspector, category=Category.NONE_FOUND, follow_up=""
        )


@pytest.mark.parametrize("category", [Category.ORDERED, Category.CORRECTED, Category.PENALTY])
def test_it_refuses_problems_found_when_the_inspection_found_none(clean, lead, category):
    assert categories_allowed(clean) == [Category.NONE_FOUND]
    with pytest.raises(ValidationError, match="可选：未发现问题"):
        publication_services.publication_publish(
            publication=clean.publication, by=lead, category=category
        )
    publication_services.publication_publish(publication=clean.publication, by=lead)
    clean.publication.refresh_from_db()
    assert clean.publication.current.category == Category.NONE_FOUND


def test_once_the_hazards_are_fixed_a_correction_may_say_corrected(published, lead):
    for hazard in published.inspection.hazards.all():
        hazard.status = Hazard.Status.CLOSED
        hazard.save()
    # Rectification was ordered, and that stays true; 未发现问题 never does.
    assert categories_allowed(published.inspection) == [Category.CORRECTED, Category.ORDERED]
    # 移送处罚 only with an enforcement case behind the result.
    case_behind(published.inspection, lead)
    assert categories_allowed(published.inspection) == [
        Category.CORRECTED,
        Category.ORDERED,
        Category.PENALTY,
    ]
    publication_services.publication_correct(
        publication=published, by=lead, reason="已整改销号", category=Category.CORRECTED
    )
    published.refresh_from_db()
    assert published.current.category == Category.CORRECTED


def test_an_inspection_that_registered_a_hazard_never_reads_compliant(
    world, lead, inspector, inspector2
):
    # A light hazard item among heavy passing ones: 20 of 21 weight passed, 95.2 %.
    template = make_template(
        "t-weighted",
        [
            (
                "W-01",
                "疏散通道是否畅通？",
                {"hazard": "general", "deadline_days": 15, "photo_on_fail": False, "weight": 1},
            ),
            ("W-02", "是否建立消防安全制度？", {"hazard": "none", "weight": 20}),
        ],
    )
    inspection = onsite_services.case_open(
        facility=world["facility"],
        complaint="群众来电反映疏散通道堵塞。",
        inspectors=[inspector.inspector_profile, inspector2.inspector_profile],
        templates=[template],
        by=lead,
    )
    inspection = onsite_services.inspection_start(inspection=inspection, by=inspector)
    answer(inspection, "W-01", "fail", inspector, note="通道堆放杂物")
    answer(inspection, "W-02", "pass", inspector)
    sign_and_confirm(inspection, inspector, inspector2)
    finished = onsite_services.inspection_finish(inspection=inspection, by=inspector)
    assert finished.score > template.versions.get().pass_threshold
    assert finished.hazards.count() == 1
    assert finished.result == Result.BASIC
