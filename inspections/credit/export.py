"""What the credit platform and the public learn of a facility's credit (read only).

``facility_records`` turns facilities into the records of the credit export
(docs/credit-export.md): the class and the date it was decided, the lists the
facility is on, and its events of public kinds. Each chunk of facilities costs a
fixed number of queries, so 40,000 facilities stream without holding them all.

Nothing about a person is in a record: no user, no note, no reason. An event's
detail is kept only for kinds whose detail a source writes from a register number,
a result's categories, a year or a star level; the kinds a lead records by hand
carry free text, which may name someone, so their detail is left out.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.models import Facility

from .models import CreditCase, CreditEvent, CreditList, ListEntry

CHUNK = 500
FORMAT = "care-safety-credit-export/1"
# Public kinds whose detail comes from a source, never typed by a person.
DETAIL_KINDS = frozenset(CreditEvent.PUBLIC) - frozenset(CreditEvent.RECORDED)


def _chunks(facilities: QuerySet[Facility] | list[Facility]) -> Iterator[list[Facility]]:
    """Facilities in chunks, in directory-number order (grouped by county). A queryset
    is read chunk by chunk (keyset), never all at once."""
    if isinstance(facilities, QuerySet):
        rows = facilities.select_related("region").order_by("directory_no")
        last = None
        while True:
            chunk = list((rows.filter(directory_no__gt=last) if last else rows)[:CHUNK])
            if not chunk:
                return
            yield chunk
            last = chunk[-1].directory_no
    else:
        items = list(facilities)
        for start in range(0, len(items), CHUNK):
            yield items[start : start + CHUNK]


def class_dates(facility_ids: Iterable[int], *, today: date) -> dict[int, tuple[str, date]]:
    """{facility id: (class, date)} of each facility's newest class decision."""
    newest: dict[int, tuple[str, date]] = {}
    rows = (
        CreditCase.objects.filter(
            facility_id__in=list(facility_ids),
            kind=CreditCase.Kind.CLASS,
            status=CreditCase.Status.DECIDED,
            decided_at__isnull=False,
        )
        .order_by("facility_id", "-decided_at", "-pk")
        .values_list("facility_id", "decided_class", "decided_at")
    )
    for facility_id, decided_class, decided_at in rows:
        day = timezone.localdate(decided_at)
        if facility_id not in newest and day <= today:
            newest[facility_id] = (decided_class, day)
    return newest


def active_lists(facility_ids: Iterable[int], *, today: date) -> dict[int, list[dict]]:
    """{facility id: [{list, label, entered_on}]} of the lists each facility is on."""
    lists: dict[int, list[dict]] = defaultdict(list)
    rows = (
        ListEntry.objects.filter(
            Q(exited_on=None) | Q(exited_on__gt=today),
            facility_id__in=list(facility_ids),
            entered_on__lte=today,
        )
        .order_by("facility_id", "entered_on", "list_name")
        .values_list("facility_id", "list_name", "entered_on")
    )
    for facility_id, list_name, entered_on in rows:
        lists[facility_id].append(
            {"list": list_name, "label": str(CreditList(list_name).label), "entered_on": entered_on}
        )
    return lists


def public_events(facility_ids: Iterable[int], *, today: date) -> dict[int, list[dict]]:
    """{facility id: [{kind, label, date, detail}]}: events of public kinds that stand
    (not withdrawn), oldest first."""
    labels = dict(CreditEvent.Kind.choices)
    events: dict[int, list[dict]] = defaultdict(list)
    rows = (
        CreditEvent.objects.filter(
            facility_id__in=list(facility_ids),
            kind__in=CreditEvent.PUBLIC,
            withdrawn_at=None,
            occurred_on__lte=today,
        )
        .order_by("facility_id", "occurred_on", "pk")
        .values_list("facility_id", "kind", "occurred_on", "detail")
    )
    for facility_id, kind, occurred_on, detail in rows:
        events[facility_id].append(
            {
                "kind": kind,
                "label": str(labels[kind]),
                "date": occurred_on,
                "detail": detail if kind in DETAIL_KINDS else "",
            }
        )
    return events


def facility_records(
    facilities: QuerySet[Facility] | list[Facility], *, today: date
) -> Iterator[dict]:
    """One record per facility (a queryset, streamed in chunks, or a list already
    read). Dates are ``date`` objects; the caller formats them."""
    for chunk in _chunks(facilities):
        ids = [f.pk for f in chunk]
        classes = class_dates(ids, today=today)
        lists = active_lists(ids, today=today)
        events = public_events(ids, today=today)
        for facility in chunk:
            decided = classes.get(facility.pk)
            yield {
                "credit_code": facility.credit_code or None,
                "directory_no": facility.directory_no,
                "name": facility.name,
                "region_code": facility.region.code,
                "class": facility.risk_class,
                # The date belongs to the class only when that decision gave the class
                # the facility has now (a registry edit may have changed it since).
                "class_decided_on": decided[1]
                if decided and decided[0] == facility.risk_class
                else None,
                "lists": lists.get(facility.pk, []),
                "events": events.get(facility.pk, []),
            }


def jsonable(record: dict) -> dict:
    """A record with its dates as ISO 8601 text, as the JSON export and the API give it."""

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        **record,
        "class_decided_on": day(record["class_decided_on"]),
        "lists": [{**entry, "entered_on": day(entry["entered_on"])} for entry in record["lists"]],
        "events": [{**event, "date": day(event["date"])} for event in record["events"]],
    }


# The CSV export: one row per event; a facility without events has one row whose
# event columns are empty. Lists are joined as "key:YYYY-MM-DD" with ";".
CSV_COLUMNS = [
    "credit_code",
    "directory_no",
    "name",
    "region_code",
    "class",
    "class_decided_on",
    "lists",
    "event_kind",
    "event_date",
    "event_detail",
]


def csv_rows(record: dict) -> Iterator[list]:
    """The CSV rows of one record, in ``CSV_COLUMNS`` order (None as empty text)."""
    data = jsonable(record)
    head = [
        data["credit_code"] or "",
        data["directory_no"],
        data["name"],
        data["region_code"],
        data["class"],
        data["class_decided_on"] or "",
        ";".join(f"{entry['list']}:{entry['entered_on']}" for entry in data["lists"]),
    ]
    if not data["events"]:
        yield [*head, "", "", ""]
    for event in data["events"]:
        yield [*head, event["kind"], event["date"], event["detail"]]
