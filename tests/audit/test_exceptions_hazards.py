"""The exception reports of the rectification loop: fixes verified late (extensions
granted by then counting), extensions granted per facility, hazards closed by who
found them, and major hazards closed without a re-check on site."""

from datetime import date

import pytest
from django.urls import reverse

from inspections.hazards.models import Extension, Hazard, Rectification
from inspections.onsite.models import Answer, Inspection, Photo, Recheck, TeamMember
from tests.audit.test_exceptions import csv_rows, ended_inspection, export_url, findings, local
from tests.inspections.conftest import make_hazard

LATE = "late-verification"
EXTENSIONS = "extensions-granted"
BY_FINDER = "closed-by-finder"
ON_PHOTOS = "major-closed-on-photos"


def verified(hazard, at, *, by, submitted_by):
    """A fix of ``hazard`` accepted at ``at`` (test setup, as the service leaves it)."""
    return Rectification.objects.create(
        hazard=hazard,
        description="已整改",
        submitted_by=submitted_by,
        submitted_at=at.replace(hour=8, minute=0),
        decision=Rectification.Decision.ACCEPTED,
        decided_by=by,
        decided_at=at,
    )


def granted(hazard, previous, requested, at, *, by, status=Extension.Status.APPROVED):
    """An extension of ``hazard`` from ``previous`` to ``requested`` decided at ``at``."""
    return Extension.objects.create(
        hazard=hazard,
        previous_due=previous,
        requested_due=requested,
        reasons="设备到货延迟",
        interim_measures="专人值守",
        requested_by=by,
        status=status,
        decided_by=by,
        decided_at=at,
    )


def closed(facility, by, *, at, closed_by=None, **fields):
    """A hazard registered by ``by``, closed at ``at`` by ``closed_by`` (default ``by``)."""
    return make_hazard(
        facility,
        by,
        status=Hazard.Status.CLOSED,
        closed_at=at,
        closed_by=closed_by or by,
        **fields,
    )


def closed_by_registrar(facility, inspector, lead, *, n):
    """``n`` major hazards of ``facility`` registered and closed by ``inspector``, each
    with a fix accepted after its due date and an extension granted: a row in every
    hazard report."""
    hazards = []
    for day in range(1, n + 1):
        moment = local(2026, 6, day, 10)
        hazard = closed(
            facility,
            inspector,
            at=moment,
            severity=Hazard.Severity.MAJOR,
            due_on=date(2026, 5, 20),
        )
        verified(hazard, moment, by=inspector, submitted_by=lead)
        granted(hazard, date(2026, 5, 10), date(2026, 5, 20), local(2026, 5, 8, 9), by=lead)
        hazards.append(hazard)
    return hazards


def listed(client, key, **params):
    return [row.subject for row in findings(client, key, **params)]


# ---------------------------------------------------------------- fixes verified late


def test_a_fix_accepted_after_the_local_due_date_is_late_and_one_on_it_is_not(
    world, inspector, manager, auditor, as_user
):
    due = date(2026, 10, 20)
    late = make_hazard(world["facility"], inspector, due_on=due, status=Hazard.Status.CLOSED)
    on_time = make_hazard(world["facility"], inspector, due_on=due, status=Hazard.Status.CLOSED)
    # 00:30 on 21 October in Shanghai is still 20 October in UTC.
    verified(late, local(2026, 10, 21, 0, 30), by=inspector, submitted_by=manager)
    verified(on_time, local(2026, 10, 20, 23, 30), by=inspector, submitted_by=manager)
    (row,) = findings(as_user(auditor), LATE)
    assert row.subject == late.register_no
    assert row.url == late.get_absolute_url()
    assert row.cells["due"] == due
    assert row.cells["late"] == 1
    assert row.cells["verified_by"] == "李喆"
    assert row.cells["verified_at"] == local(2026, 10, 21, 0, 30)


def test_an_extension_granted_before_the_verification_counts_and_one_granted_after_does_not(
    world, inspector, manager, lead, auditor, as_user
):
    facility = world["facility"]
    extended = make_hazard(facility, inspector, due_on=date(2026, 10, 30))
    granted(extended, date(2026, 10, 20), date(2026, 10, 30), local(2026, 10, 15, 9), by=lead)
    verified(extended, local(2026, 10, 29, 15), by=inspector, submitted_by=manager)
    # Verified on Friday 23 October, three working days late; excused on the 26th.
    excused_later = make_hazard(facility, inspector, due_on=date(2026, 11, 6))
    verified(excused_later, local(2026, 10, 23, 10), by=inspector, submitted_by=manager)
    granted(excused_later, date(2026, 10, 20), date(2026, 11, 6), local(2026, 10, 26, 9), by=lead)
    # Extended to the 22nd, verified on Monday the 26th: two working days late.
    short = make_hazard(facility, inspector, due_on=date(2026, 10, 22))
    granted(short, date(2026, 10, 20), date(2026, 10, 22), local(2026, 10, 15, 9), by=lead)
    verified(short, local(2026, 10, 26, 10), by=inspector, submitted_by=manager)
    rows = {row.subject: row.cells for row in findings(as_user(auditor), LATE)}
    assert set(rows) == {excused_later.register_no, short.register_no}
    assert (rows[excused_later.register_no]["due"], rows[excused_later.register_no]["late"]) == (
        date(2026, 10, 20),
        3,
    )
    assert rows[excused_later.register_no]["extensions"] == 0
    assert (rows[short.register_no]["due"], rows[short.register_no]["late"]) == (
        date(2026, 10, 22),
        2,
    )
    assert rows[short.register_no]["extensions"] == 1


def test_a_hazard_found_fixed_on_a_late_re_check_is_listed_but_one_corrected_on_the_spot_is_not(
    world, inspector, auditor, as_user
):
    rechecked = closed(
        world["facility"], inspector, at=local(2026, 10, 22, 10), due_on=date(2026, 10, 20)
    )
    closed(
        world["facility"],
        inspector,
        at=local(2026, 10, 22, 10),
        due_on=date(2026, 10, 20),
        corrected_on_spot=True,
    )
    (row,) = findings(as_user(auditor), LATE)
    assert row.subject == rechecked.register_no
    assert row.cells["submitted_at"] is None
    assert row.cells["late"] == 2


# ---------------------------------------------------------------- extensions granted


def test_extensions_granted_are_summed_per_facility(world, inspector, lead, auditor, as_user):
    first = make_hazard(world["facility"], inspector)
    second = make_hazard(world["facility"], inspector)
    granted(first, date(2026, 10, 20), date(2026, 10, 30), local(2026, 10, 15, 9), by=lead)
    granted(first, date(2026, 10, 30), date(2026, 11, 19), local(2026, 10, 28, 9), by=lead)
    granted(second, date(2026, 3, 2), date(2026, 3, 7), local(2026, 3, 2, 9), by=lead)
    granted(
        second,
        date(2026, 3, 7),
        date(2026, 4, 7),
        local(2026, 3, 5, 9),
        by=lead,
        status=Extension.Status.REFUSED,
    )
    # 23:30 on 31 December 2025 in Shanghai: last year's.
    other = make_hazard(world["other_facility"], inspector)
    granted(other, date(2026, 1, 5), date(2026, 1, 9), local(2025, 12, 31, 23, 30), by=lead)
    client = as_user(auditor)
    (row,) = findings(client, EXTENSIONS)
    assert row.subject == world["facility"].name
    assert row.cells == {
        "granted": 3,
        "hazards": 2,
        "total_days": 35,
        "longest_days": 20,
        "last_at": local(2026, 10, 28, 9),
    }
    assert row.url == f"{reverse('inspections:hazard_list')}?facility={world['facility'].pk}"
    latest = Extension.objects.get(requested_due=date(2026, 11, 19))
    assert row.history_url.endswith(f"model=inspections.extension&object_id={latest.pk}")
    last_year = findings(client, EXTENSIONS, date_from="2025-01-01", date_to="2025-12-31")
    assert [r.subject for r in last_year] == [world["other_facility"].name]


# ---------------------------------------------------------------- closed by who found them


def test_hazards_closed_by_their_registrar_or_finding_team_are_listed(
    world, inspector, inspector2, lead, auditor, as_user
):
    facility = world["facility"]
    at = local(2026, 10, 22, 10)
    by_registrar = closed(facility, inspector, at=at)
    visit = ended_inspection(facility, local(2026, 10, 8, 10))
    TeamMember.objects.create(inspection=visit, inspector=inspector2.inspector_profile, position=1)
    by_team = closed(facility, lead, at=at, closed_by=inspector2, inspection=visit)
    closed(facility, lead, at=at, closed_by=inspector)  # someone else registered it
    closed(facility, inspector, at=at, corrected_on_spot=True)  # corrected on the spot
    rows = {row.subject: row.cells for row in findings(as_user(auditor), BY_FINDER)}
    assert set(rows) == {by_registrar.register_no, by_team.register_no}
    assert (
        rows[by_registrar.register_no]["registered_it"],
        rows[by_registrar.register_no]["on_team"],
    ) == (True, False)
    assert (rows[by_team.register_no]["registered_it"], rows[by_team.register_no]["on_team"]) == (
        False,
        True,
    )
    assert rows[by_team.register_no]["closed_by"] == "王赟"


def test_a_replaced_team_member_did_not_find_the_hazard(world, inspector2, lead, auditor, as_user):
    visit = ended_inspection(world["facility"], local(2026, 10, 8, 10))
    TeamMember.objects.create(
        inspection=visit, inspector=inspector2.inspector_profile, position=1, active=False
    )
    closed(
        world["facility"], lead, at=local(2026, 10, 22, 10), closed_by=inspector2, inspection=visit
    )
    assert findings(as_user(auditor), BY_FINDER) == []


# ---------------------------------------------------------------- major hazards closed on photos


def recheck(hazard, value, at, *, by):
    """An on-site re-check of ``hazard`` answered at ``at`` in a re-inspection."""
    visit = ended_inspection(hazard.facility, at, kind=Inspection.Kind.REINSPECTION)
    return Answer.objects.create(
        inspection=visit, rechecked_hazard=hazard, value=value, answered_by=by, answered_at=at
    )


def test_a_major_hazard_closed_without_a_re_check_finding_it_fixed_is_listed(
    world, inspector, manager, lead, auditor, as_user
):
    facility = world["facility"]
    closing = local(2026, 10, 25, 10)

    def major(**fields):
        return closed(facility, lead, at=closing, severity=Hazard.Severity.MAJOR, **fields)

    on_photos = major()
    verified(on_photos, local(2026, 10, 24, 16), by=inspector, submitted_by=manager)
    Photo.objects.create(
        facility=facility,
        hazard=on_photos,
        purpose=Photo.Purpose.AFTER,
        original="originals/a.jpg",
        preview="previews/a.jpg",
        thumbnail="thumbs/a.jpg",
        sha256="0" * 64,
        format="JPEG",
        width=80,
        height=60,
        size=1000,
        uploaded_by=manager,
    )
    not_fixed_on_site = major()
    recheck(not_fixed_on_site, Recheck.NOT_FIXED, local(2026, 10, 20, 10), by=inspector)
    fixed_on_site = major()
    recheck(fixed_on_site, Recheck.FIXED, local(2026, 10, 24, 10), by=inspector)
    closed(facility, lead, at=closing)  # a general hazard
    rows = {row.subject: row.cells for row in findings(as_user(auditor), ON_PHOTOS)}
    assert set(rows) == {on_photos.register_no, not_fixed_on_site.register_no}
    assert rows[on_photos.register_no]["after_photos"] == 1
    assert rows[on_photos.register_no]["verified_by"] == "李喆"
    assert rows[on_photos.register_no]["verified_at"] == local(2026, 10, 24, 16)
    assert rows[on_photos.register_no]["closed_by"] == "陈堃"
    assert rows[not_fixed_on_site.register_no]["after_photos"] == 0


# ---------------------------------------------------------------- scope


def test_an_auditor_of_another_county_sees_none_of_the_county_s_hazards(
    world, inspector, lead, auditor, other_auditor, as_user
):
    closed_by_registrar(world["facility"], inspector, lead, n=1)
    mine, theirs = as_user(auditor), as_user(other_auditor)
    for key in (LATE, EXTENSIONS, BY_FINDER, ON_PHOTOS):
        assert len(findings(mine, key)) == 1, key
        assert findings(theirs, key) == [], key


def test_a_far_county_s_hazards_are_its_auditor_s(
    world, other_lead, auditor, other_auditor, as_user
):
    far = closed(world["far_facility"], other_lead, at=local(2026, 10, 22, 10))
    assert listed(as_user(other_auditor), BY_FINDER) == [far.register_no]
    assert listed(as_user(auditor), BY_FINDER) == []


@pytest.mark.parametrize("key", [LATE, EXTENSIONS, BY_FINDER, ON_PHOTOS])
def test_every_hazard_report_exports_with_its_headers(
    world, inspector, lead, auditor, as_user, key
):
    closed_by_registrar(world["facility"], inspector, lead, n=1)
    header, *rows = csv_rows(
        as_user(auditor).get(export_url(key, "csv"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    assert header[1] == "行政区域"
    assert len(rows) == 1 and len(rows[0]) == len(header)
    assert rows[0][1] == "岳阳楼区"
