"""What one answer save costs in queries, as the phone sends it (benchmarks/answer_bench.py
times it): a fixed number, whatever the size of the checklist, and still a fixed number
once every item is answered but a required photo is missing (the record is then plainly
incomplete: no need to build the whole checklist to find it out)."""

import uuid

from inspections.onsite import selectors
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Answer

from .conftest import item_key
from .test_onsite import answer, answer_all_passing, jpeg

# Session, user, the stored response looked up (exactly once), the transaction and the
# service's savepoint with its release, the view's access checks (the inspection, the
# team), the inspection locked with its facility, the team (read once under the lock: the
# service's own check and the confirmations), its checklists, the item, the answer
# locked and written, its history row, the chain's head moved and read, its new hash, the
# change index row and its region (its place comes from the inspection in hand), the
# completeness test, the stored response written. (The outer transaction's begin and
# commit are a savepoint and its release here, inside the test's transaction.)
ONE_SAVE = 22
# A save of an answer saved before also reads the previous history row (the change
# index stores the difference).
ONE_RESAVE = ONE_SAVE + 1


def post(client, inspection, key, value, revision):
    return client.post(
        f"/inspections/inspections/{inspection.pk}/answer/",
        {"key": key, "value": value, "revision": revision},
        HTTP_ACCEPT="application/json",
        HTTP_X_CLIENT_ID=str(uuid.uuid4()),
    )


def test_one_answer_save_takes_a_fixed_number_of_queries(
    started, inspector, as_user, django_assert_num_queries
):
    client = as_user(inspector)
    first, other = item_key(started, "S-01"), item_key(started, "S-05")
    post(client, started, other, "pass", 0)  # the session is warm
    with django_assert_num_queries(ONE_SAVE):
        response = post(client, started, first, "fail", 0)
    assert response.status_code == 200, response.content
    assert response.json()["answer"]["revision"] == 1
    with django_assert_num_queries(ONE_RESAVE):
        response = post(client, started, first, "pass", 1)
    assert response.status_code == 200, response.content
    assert Answer.objects.get(inspection=started, item_id=first[1:]).revision == 2


def test_a_save_with_every_item_answered_but_a_photo_missing_stays_cheap(
    started, inspector, as_user, django_assert_num_queries
):
    """The second inspector is not asked to confirm yet (S-01 failed without its photo),
    so every save tests whether the record is complete: two queries, not the page."""
    answer(started, "S-01", "fail", inspector)
    for code, value in (("S-02", "pass"), ("S-03", "3"), ("S-04", "pass"), ("S-05", "pass")):
        answer(started, code, value, inspector)
    onsite_services.photo_add(
        inspection=started, key=item_key(started, "S-04"), upload=jpeg(), by=inspector
    )
    client, key = as_user(inspector), item_key(started, "S-02")
    post(client, started, item_key(started, "S-05"), "pass", 1)  # the session is warm
    with django_assert_num_queries(ONE_RESAVE + 1):
        response = post(client, started, key, "fail", 1)
    assert response.status_code == 200, response.content
    assert not started.team.exclude(confirmation_asked_at=None).exists()


def test_plainly_incomplete_sees_a_failed_item_without_its_photo(started, inspector):
    answer_all_passing(started, inspector)
    failed = answer(started, "S-01", "fail", inspector)
    assert selectors.plainly_incomplete(started)
    assert selectors.missing(started)  # the whole test agrees
    photo = onsite_services.photo_add(
        inspection=started, key=failed.key, upload=jpeg(), by=inspector
    )
    assert not selectors.plainly_incomplete(started)
    assert not selectors.missing(started)
    # A photo removed as taken by mistake no longer counts.
    onsite_services.photo_remove(photo=photo, by=inspector, reason="拍错了")
    assert selectors.plainly_incomplete(started)


def test_a_saved_answer_is_indexed_in_its_facilitys_region_and_inspection(started, inspector):
    """The change index takes the inspection's place from the inspection the service
    holds (no query of its own): the same region and inspection a lookup would give."""
    from audit.models import ChangeLog, ChangeRegion

    saved = answer(started, "S-01", "fail", inspector)
    change = ChangeLog.objects.filter(model="inspections.answer", object_id=str(saved.pk)).get()
    assert change.region_ids == [started.facility.region_id]
    assert change.inspection_id == started.pk
    assert list(ChangeRegion.objects.filter(change=change).values_list("region_id", flat=True)) == [
        started.facility.region_id
    ]


def test_a_member_taken_off_the_team_cannot_save_through_the_service(started, inspector):
    """The service's own check reads the team under the lock, as it is now."""
    import pytest
    from django.core.exceptions import ValidationError

    member = started.team.get(inspector__user=inspector)
    member.active = False
    member.save()
    with pytest.raises(ValidationError, match="只有检查组成员"):
        onsite_services.answer_save(
            inspection=started,
            key=item_key(started, "S-01"),
            value="pass",
            base_revision=0,
            by=inspector,
        )
    assert not Answer.objects.filter(inspection=started).exists()
