"""Where credit events come from.

Each source is a function registered with ``@source``: given the day and, optionally,
the facilities to look at, it yields a ``Fact`` for every event it knows of. A fact's
key is unique across sources, so a source may run any number of times and each fact
is written once (``services.credit_collect``). A source that marks some of its facts
``standing`` (the grading level) says that those it no longer yields have lapsed:
their events are withdrawn with the reason.

Enforcement's penalties, transfers, control orders and interviews have sources here,
and so have substantiated complaints. A lead records the other kinds by hand
(``services.credit_event_record``, key prefix ``manual:``).
"""

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from checklists.scoring import Result
from inspections.complaints.models import Complaint
from inspections.enforcement.models import ControlOrder, Interview, Penalty, Transfer
from inspections.hazards.models import Hazard, HazardAlarm, Rectification, Supervision
from inspections.onsite.models import Inspection
from registry.models import Facility

from .models import CreditEvent

Kind = CreditEvent.Kind


@dataclass(frozen=True)
class Fact:
    facility_id: int
    kind: str
    occurred_on: date
    key: str
    detail: str = ""
    # The evidence page, named and built only for a fact that is written: building
    # every link of every fact read is most of a run's time at a province's scale.
    link: tuple[str, int] | None = None

    @property
    def evidence_url(self) -> str:
        return reverse(self.link[0], args=[self.link[1]]) if self.link else ""


# (today, facilities or None for all, since or None for everything): a source given
# ``since`` may yield only what changed from then on.
Source = Callable[[date, Collection[int] | None, datetime | None], Iterator[Fact]]
SOURCES: dict[str, Source] = {}
# Key prefixes of the sources whose facts hold only while the source yields them.
STANDING: set[str] = set()


def source(prefix: str, *, standing: bool = False) -> Callable[[Source], Source]:
    def register(function: Source) -> Source:
        SOURCES[prefix] = function
        if standing:
            STANDING.add(prefix)
        return function

    return register


def _local(moment: datetime | None) -> date:
    # Every row a source reads here has the moment set (filtered, or a finished row).
    assert moment is not None
    return timezone.localdate(moment)


def _of(facilities: Collection[int] | None, field: str = "facility_id") -> Q:
    return Q() if facilities is None else Q(**{f"{field}__in": list(facilities)})


def _since(since: datetime | None, field: str) -> Q:
    return Q() if since is None else Q(**{f"{field}__gte": since})


# Inspections by the bureau: a self-inspection is the facility's own and counts only
# through the hazards it fixes on time.
BUREAU_KINDS = [k for k in Inspection.Kind.values if k != Inspection.Kind.SELF]
RESULT_KIND: dict[str, str] = {
    Result.PASS: Kind.RESULT_PASS,
    Result.BASIC: Kind.RESULT_BASIC,
    Result.FAIL: Kind.RESULT_FAIL,
}


@source("inspection")
def inspection_results(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    rows = (
        Inspection.objects.filter(
            _of(facilities) & _since(since, "finished_at"),
            status=Inspection.Status.FINISHED,
            kind__in=BUREAU_KINDS,
        )
        .exclude(result="")
        .values_list("pk", "facility_id", "result", "finished_at")
    )
    categories: dict[int, set[str]] = {}
    pks = [row[0] for row in rows]
    from inspections.onsite.models import InspectionChecklist

    for inspection_id, category in InspectionChecklist.objects.filter(
        inspection_id__in=pks
    ).values_list("inspection_id", "version__template__category"):
        categories.setdefault(inspection_id, set()).add(category)
    for pk, facility_id, result, finished_at in rows:
        yield Fact(
            facility_id,
            RESULT_KIND[result],
            _local(finished_at),
            f"inspection:{pk}",
            ",".join(sorted(categories.get(pk, ()))),
            ("inspections:inspection_detail", pk),
        )


def _found_by_bureau(facilities: Collection[int] | None) -> Q:
    return _of(facilities) & ~Q(source=Hazard.Source.SELF) & Q(self_reported=False)


@source("hazard")
def hazards_found(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, facility_id, severity, found_on, register_no in (
        Hazard.objects.filter(_found_by_bureau(facilities))
        .filter(_since(since, "created_at"))
        .values_list("pk", "facility_id", "severity", "found_on", "register_no")
    ):
        kind = Kind.HAZARD_MAJOR if severity == Hazard.Severity.MAJOR else Kind.HAZARD_GENERAL
        link = ("inspections:hazard_detail", pk)
        yield Fact(facility_id, kind, found_on, f"hazard:{pk}", register_no, link)


@source("overdue")
def hazards_overdue(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    """A hazard that passed its deadline unrectified: its overdue alarm went off, or it
    is overdue now (the dispatcher may not have run yet)."""
    fired = dict(
        HazardAlarm.objects.filter(
            _of(facilities, "hazard__facility_id") & _since(since, "fired_at"),
            kind=HazardAlarm.Kind.OVERDUE,
        )
        .order_by("hazard_id", "fired_at")
        .values_list("hazard_id", "fired_at")
    )
    rows = Hazard.objects.filter(
        _of(facilities) & (Q(pk__in=list(fired)) | Q(status=Hazard.Status.OVERDUE))
    ).values_list("pk", "facility_id", "due_on", "register_no")
    for pk, facility_id, due_on, register_no in rows:
        day = _local(fired[pk]) if pk in fired else due_on
        link = ("inspections:hazard_detail", pk)
        yield Fact(facility_id, Kind.HAZARD_OVERDUE, day, f"overdue:{pk}", register_no, link)


@source("rejection")
def rectifications_rejected(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, hazard_id, facility_id, decided_at, register_no in Rectification.objects.filter(
        _of(facilities, "hazard__facility_id") & _since(since, "decided_at"),
        decision=Rectification.Decision.REJECTED,
        decided_at__isnull=False,
    ).values_list("pk", "hazard_id", "hazard__facility_id", "decided_at", "hazard__register_no"):
        link = ("inspections:hazard_detail", hazard_id)
        yield Fact(
            facility_id,
            Kind.RECTIFICATION_REJECTED,
            _local(decided_at),
            f"rejection:{pk}",
            register_no,
            link,
        )


@source("supervision")
def majors_supervised(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, hazard_id, facility_id, opened_at, register_no in Supervision.objects.filter(
        _of(facilities, "hazard__facility_id") & _since(since, "opened_at")
    ).values_list("pk", "hazard_id", "hazard__facility_id", "opened_at", "hazard__register_no"):
        link = ("inspections:hazard_detail", hazard_id)
        yield Fact(
            facility_id,
            Kind.MAJOR_SUPERVISED,
            _local(opened_at),
            f"supervision:{pk}",
            register_no,
            link,
        )


@source("refusal")
def signatures_refused(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, facility_id, signed_at, finished_at in Inspection.objects.filter(
        _of(facilities) & _since(since, "finished_at"),
        signature_refused=True,
        status=Inspection.Status.FINISHED,
    ).values_list("pk", "facility_id", "signed_at", "finished_at"):
        day = _local(signed_at or finished_at)
        link = ("inspections:inspection_detail", pk)
        yield Fact(facility_id, Kind.SIGNATURE_REFUSED, day, f"refusal:{pk}", "", link)


@source("selffix")
def self_reported_fixed(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    """A hazard the facility found itself and closed by its due date (positive)."""
    for pk, facility_id, due_on, closed_at, register_no in Hazard.objects.filter(
        _of(facilities)
        & _since(since, "closed_at")
        & (Q(source=Hazard.Source.SELF) | Q(self_reported=True)),
        status=Hazard.Status.CLOSED,
        closed_at__isnull=False,
    ).values_list("pk", "facility_id", "due_on", "closed_at", "register_no"):
        closed_on = _local(closed_at)
        if closed_on <= due_on:
            link = ("inspections:hazard_detail", pk)
            yield Fact(facility_id, Kind.SELF_FIXED, closed_on, f"selffix:{pk}", register_no, link)


# ---------------------------------------------------------------- enforcement


@source("penalty", standing=True)
def penalties(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    """A penalty decided (by the bureau or reported back by a department); standing, so
    a penalty withdrawn stops counting. Read whole: penalties are few."""
    for pk, facility_id, decided_on, decision_no, case_id in Penalty.objects.filter(
        _of(facilities), withdrawn_at=None, decided_on__lte=today
    ).values_list("pk", "facility_id", "decided_on", "decision_no", "case_id"):
        link = ("inspections:case_detail", case_id)
        yield Fact(facility_id, Kind.PENALTY, decided_on, f"penalty:{pk}", decision_no, link)


@source("complaint")
def complaints_substantiated(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    """A complaint that proved true, once its (final) reply is recorded. A lead who
    recorded it by hand before (a ``manual:`` event whose detail is the complaint's
    number) keeps that event: the complaint is not counted a second time."""
    by_hand = set(
        CreditEvent.objects.filter(
            kind=Kind.COMPLAINT_SUBSTANTIATED, key__startswith="manual:", withdrawn_at=None
        ).values_list("facility_id", "detail")
    )
    for pk, facility_id, replied_at, number in (
        Complaint.objects.filter(
            _of(facilities),
            _since(since, "replied_at"),
            status=Complaint.Status.REPLIED,
            substantiated=True,
            facility__isnull=False,
        )
        .filter(replied_at__date__lte=today)
        .values_list("pk", "facility_id", "replied_at", "number")
    ):
        if (facility_id, number) in by_hand:
            continue
        link = ("inspections:complaint_detail", pk)
        day = _local(replied_at)
        key = f"complaint:{pk}"
        yield Fact(facility_id, Kind.COMPLAINT_SUBSTANTIATED, day, key, number, link)


@source("transfer")
def transfers(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, facility_id, sent_on, number, case_id in Transfer.objects.filter(
        _of(facilities, "case__facility_id"), sent_on__lte=today
    ).values_list("pk", "case__facility_id", "sent_on", "number", "case_id"):
        link = ("inspections:case_detail", case_id)
        yield Fact(facility_id, Kind.TRANSFER, sent_on, f"transfer:{pk}", number, link)


@source("control_order")
def control_orders(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, facility_id, issued_at, number in ControlOrder.objects.filter(
        _of(facilities) & _since(since, "issued_at")
    ).values_list("pk", "facility_id", "issued_at", "number"):
        link = ("inspections:control_order_detail", pk)
        yield Fact(
            facility_id, Kind.CONTROL_ORDER, _local(issued_at), f"control_order:{pk}", number, link
        )


@source("interview")
def interviews(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    for pk, facility_id, held_on, number in Interview.objects.filter(
        _of(facilities) & _since(since, "recorded_at"), held_on__lte=today
    ).values_list("pk", "facility_id", "held_on", "number"):
        link = ("inspections:interview_detail", pk)
        yield Fact(facility_id, Kind.INTERVIEW, held_on, f"interview:{pk}", number, link)


CLEAN_YEARS = 3  # credit records are kept three years


@source("clean")
def clean_years(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    """A past calendar year in which the bureau inspected the facility and found
    nothing (positive), dated the year's last day. Its facts change only when a year
    ends: read again only by the first run of a year."""
    if since is not None and timezone.localtime(since).year == today.year:
        return
    years = range(today.year - CLEAN_YEARS, today.year)
    inspected: dict[int, set[int]] = {}
    for facility_id, finished_at in Inspection.objects.filter(
        _of(facilities),
        status=Inspection.Status.FINISHED,
        kind__in=BUREAU_KINDS,
        finished_at__year__gte=years.start,
        finished_at__year__lt=years.stop,
    ).values_list("facility_id", "finished_at"):
        inspected.setdefault(facility_id, set()).add(_local(finished_at).year)
    found: dict[int, set[int]] = {}
    for facility_id, found_on in Hazard.objects.filter(
        _found_by_bureau(facilities), found_on__year__gte=years.start
    ).values_list("facility_id", "found_on"):
        found.setdefault(facility_id, set()).add(found_on.year)
    for facility_id, inspected_years in inspected.items():
        for year in sorted(inspected_years - found.get(facility_id, set())):
            if year in years:
                yield Fact(
                    facility_id,
                    Kind.CLEAN_YEAR,
                    date(year, 12, 31),
                    f"clean:{facility_id}:{year}",
                    str(year),
                )


@source("grade", standing=True)
def grading_levels(
    today: date, facilities: Collection[int] | None, since: datetime | None = None
) -> Iterator[Fact]:
    """The facility's grading level as it stands; a new level replaces the old one."""
    # Standing: always read whole (``since`` ignored), or a lapsed level would stay.
    for pk, level in (
        Facility.objects.filter(_of(facilities, "pk"), star_level__gt=0)
        .order_by()
        .values_list("pk", "star_level")
    ):
        yield Fact(pk, Kind.GRADE, today, f"grade:{pk}:{level}", str(level))
