"""The lead's pages for results: the list by days left of the 20, the review page with
the public text, publish, return, correct and withdraw by form, and refusals shown."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inspections.onsite.models import Photo
from inspections.publication import services
from inspections.publication.models import Publication
from tests.enforcement.helpers import case_behind


@pytest.fixture
def publication(finished):
    return finished.publication


def review_url(publication, action=""):
    return f"/inspections/results/{publication.pk}/{action + '/' if action else ''}"


def test_the_review_page_shows_the_public_text_before_publishing(publication, lead, as_user):
    page = as_user(lead).get(review_url(publication))
    assert page.status_code == 200
    text = page.content.decode()
    assert publication.inspection.facility.credit_code in text
    assert "The public text that will appear" in text or "将公开的内容" in text
    assert page.context["can_publish"] and page.context["can_return"]
    assert page.context["count_rows"][0]["open"] == 1  # one general hazard open
    # Residents, inspectors' names and evidence are not part of the public text.
    preview = text.split('class="public-preview"')[1].split("</div>\n\n")[0]
    for member in publication.inspection.team.select_related("inspector__user"):
        assert member.inspector.user.display_name not in preview


def test_publishing_by_form_and_the_public_link(publication, lead, as_user):
    client = as_user(lead)
    response = client.post(
        review_url(publication, "publish"),
        {"category": "ordered", "follow_up": "到期复查"},
        follow=True,
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED
    assert publication.current.content["follow_up"] == "到期复查"
    assert publication.get_public_url() in response.content.decode()


def test_a_chosen_photo_without_the_confirmation_is_refused_with_a_message(
    publication, lead, as_user
):
    photo = Photo.objects.filter(inspection=publication.inspection).first()
    response = as_user(lead).post(
        review_url(publication, "publish"),
        {"category": "ordered", "photos": [photo.pk]},
        follow=True,
    )
    publication.refresh_from_db()
    assert publication.current is None
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_returning_needs_a_reason(publication, lead, as_user):
    client = as_user(lead)
    client.post(review_url(publication, "return"), {"return-reason": ""})
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PENDING
    client.post(review_url(publication, "return"), {"return-reason": "跟进措施未填写"})
    publication.refresh_from_db()
    assert publication.status == Publication.Status.RETURNED
    assert publication.returned_reason == "跟进措施未填写"


def test_the_team_resubmits_a_returned_result(publication, lead, inspector, as_user):
    services.publication_return(publication=publication, by=lead, reason="补充后续处理")
    client = as_user(inspector)
    page = client.get(review_url(publication))
    assert page.context["can_resubmit"] and not page.context["can_publish"]
    client.post(
        review_url(publication, "resubmit"), {"category": "ordered", "follow_up": "限期整改"}
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PENDING
    assert publication.follow_up == "限期整改"


def test_an_inspector_may_read_but_not_publish(publication, inspector, as_user):
    client = as_user(inspector)
    assert client.get(review_url(publication)).status_code == 200
    assert (
        client.post(review_url(publication, "publish"), {"category": "ordered"}).status_code == 403
    )
    publication.refresh_from_db()
    assert publication.current is None


def test_withdrawal_needs_a_reason_and_a_confirmation(publication, lead, as_user):
    services.publication_publish(publication=publication, by=lead)
    client = as_user(lead)
    client.post(review_url(publication, "withdraw"), {"withdraw-reason": "对象有误"})
    publication.refresh_from_db()
    assert publication.status == Publication.Status.PUBLISHED
    client.post(
        review_url(publication, "withdraw"),
        {"withdraw-reason": "对象有误", "withdraw-confirm": "on"},
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.WITHDRAWN


def test_a_correction_by_form_adds_a_version(publication, lead, as_user):
    services.publication_publish(publication=publication, by=lead)
    case_behind(publication.inspection, lead)
    as_user(lead).post(
        review_url(publication, "correct"),
        {"category": "penalty", "follow_up": "移送处罚", "reason": "类别更正"},
    )
    publication.refresh_from_db()
    assert publication.versions.count() == 2
    assert publication.current.reason == "类别更正"


def test_the_list_marks_results_nearing_and_past_the_limit(publication, lead, as_user):
    client = as_user(lead)
    publication.due_on = timezone.localdate() - timedelta(days=10)
    publication.save()
    page = client.get("/inspections/results/")
    [row] = list(page.context["page"])
    assert row.late and row.days_past > 0
    assert "past the limit" in page.content.decode() or "超过期限" in page.content.decode()
    publication.due_on = timezone.localdate()
    publication.save()
    [row] = list(client.get("/inspections/results/").context["page"])
    assert row.nearing and row.days_left == 0


def test_the_list_is_scoped_and_published_results_move_tabs(publication, lead, other_lead, as_user):
    assert list(as_user(other_lead).get("/inspections/results/").context["page"]) == []
    services.publication_publish(publication=publication, by=lead)
    client = as_user(lead)
    assert list(client.get("/inspections/results/").context["page"]) == []
    assert len(client.get("/inspections/results/?state=published").context["page"]) == 1


def test_the_inspection_page_shows_the_days_left(publication, lead, as_user):
    page = as_user(lead).get(publication.inspection.get_absolute_url())
    assert page.context["publication"] == publication
    assert page.context["publication_days_left"] >= 19


def test_the_queue_tab_is_always_counted_and_an_archive_tab_when_shown(publication, lead, as_user):
    client = as_user(lead)
    queue = client.get("/inspections/results/")
    assert queue.context["counts"] == {"waiting": 1}
    services.publication_publish(publication=publication, by=lead)
    archive = client.get("/inspections/results/?state=published")
    assert archive.context["counts"] == {"published": 1, "waiting": 0}
    tab = archive.content.decode().split('class="tab" aria-current="page">', 1)[1]
    current = tab.split("</a>", 1)[0]
    assert current.endswith("(1)")
