"""The auditor's read-only history browser over ``ChangeLog``.

Every view is GET-only: the history is evidence and nothing here may change it.
"""

import csv
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from functools import cache
from itertools import islice
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.keyset import BadCursor, Keyset

from . import chain, search
from .access import auditor_required, change_for_user, changes_for, more_than
from .forms import HistoryFilterForm, audited_model, model_name
from .models import ChangeLog

PAGE_SIZE = 50
# Newest first, as the detail page's neighbours; the index on `at` serves it, and
# a deep page is found through the cursor, not counted to (core.keyset).
ORDER = Keyset(key="at", kind="datetime", tie="id")
CURSORS = ("page", "before", "after")
CSV_BATCH = 1000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Names of related objects the CSV keeps between batches, at most.
CSV_KNOWN = 50_000
EMPTY = "—"
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Times are read in the bureau's time zone, to the minute.
PEOPLE_TIME = "%Y-%m-%d %H:%M"


# Filters ---------------------------------------------------------------------


def _local_midnight(day):
    # Dates are read in the bureau's time zone, not UTC.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _filtered(request):
    return filtered(request.user, request.GET)


def filtered(user, data):
    """``(form, changes)``: the user's changes narrowed by the filters in ``data`` (the
    GET of the history page, or the filters an export job keeps).

    Invalid filters give no rows rather than an unfiltered list the reader might
    take for the one they asked for.
    """
    form = HistoryFilterForm(data)
    changes = changes_for(user).select_related("user")
    if not form.is_valid():
        return form, changes.none()
    data = form.cleaned_data
    for name in ("model", "object_id", "action"):
        if data[name]:
            changes = changes.filter(**{name: data[name]})
    if data["user"]:
        changes = changes.filter(user__username=data["user"])
    if data["q"]:
        changes = changes.filter(search.named_by(data["q"]))
    if data["field"]:
        changed = Q()
        for name in data["field"]:
            changed |= Q(changes__has_key=name)
        changes = changes.filter(changed)
    if data["date_from"]:
        changes = changes.filter(at__gte=_local_midnight(data["date_from"]))
    if data["date_to"]:
        changes = changes.filter(at__lt=_local_midnight(data["date_to"] + timedelta(days=1)))
    return form, changes


def _query_without_page(request):
    query = request.GET.copy()
    for name in CURSORS:
        query.pop(name, None)
    return query.urlencode()


# Display ---------------------------------------------------------------------


@cache
def _field(label, name):
    # Cached: the models do not change while the process runs, and a CSV asks for
    # the same few fields of hundreds of thousands of rows.
    model = audited_model(label)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(label, name):
    return capfirst(getattr(_field(label, name), "verbose_name", None) or name)


def people_time(value):
    """An aware datetime as people read it: local time, to the minute."""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime(PEOPLE_TIME)


def _stored_time(raw):
    # Stored as str(datetime): "2026-11-30 11:21:31.741186+00:00".
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return people_time(value)


def _m2m_delta(before, after):
    """``(added, removed)`` for a many-to-many change stored as two lists of names;
    None for other values (and many-to-many changes recorded as text before)."""
    if not isinstance(before, list) or not isinstance(after, list):
        return None
    return [n for n in after if n not in before], [n for n in before if n not in after]


def delta_text(added, removed):
    """What a many-to-many change added and removed, as in "+云溪区 −岳阳楼区"."""
    return " ".join([f"+{name}" for name in added] + [f"−{name}" for name in removed])


def summary(row):
    """The changed fields of a row for the list: labels, with what a many-to-many
    change added and removed (needs no query)."""
    names = []
    for name, (before, after) in row.changes.items():
        label = field_label(row.model, name)
        delta = _m2m_delta(before, after)
        names.append(f"{label} {delta_text(*delta)}" if delta else label)
    return names


class ValueFormatter:
    """Turns stored change values into what a reader understands: choice labels,
    yes/no, local times, and the names of related objects instead of their ids.

    ``prime(rows)`` looks related objects up in one query per related model.
    """

    def __init__(self):
        self._related = {}
        self._labels = {}

    def prime(self, rows):
        """Looks up the related objects of ``rows`` not already known."""
        wanted = defaultdict(set)
        for row in rows:
            for name, values in row.changes.items():
                field = _field(row.model, name)
                if field is not None and (field.many_to_one or field.one_to_one):
                    model = field.related_model
                    wanted[model].update(
                        v for v in values if v is not None and (model, v) not in self._related
                    )
        for model, pks in wanted.items():
            if not pks:
                continue
            try:
                # select_related() so that a __str__ reading a relation costs nothing more.
                found = model._default_manager.select_related().in_bulk(list(pks))
            except (ValueError, TypeError, ValidationError):
                continue
            self._related.update({(model, str(pk)): str(obj) for pk, obj in found.items()})

    def value(self, label, name, raw):
        # Blank text reads as no value, as None does ("—"), not as nothing at all.
        if raw is None or raw == "":
            return None
        if isinstance(raw, list):
            return ", ".join(raw) or None
        field = _field(label, name)
        if field is None:
            return raw
        if field.many_to_one or field.one_to_one:
            return self._related.get((field.related_model, raw), f"#{raw}")
        if field.choices:
            return str({str(k): v for k, v in field.flatchoices}.get(raw, raw))
        if isinstance(field, models.BooleanField):
            return {"True": _("yes"), "False": _("no")}.get(raw, raw)
        if isinstance(field, models.DateTimeField):
            return _stored_time(raw)
        return raw

    def label(self, model, name):
        # Read once per formatter: translating a label costs more than the row.
        key = (model, name)
        if key not in self._labels:
            self._labels[key] = str(field_label(model, name))
        return self._labels[key]

    def __len__(self):
        return len(self._related)

    def fields(self, row):
        """``[{name, label, before, after, delta}]`` for one ChangeLog row; ``delta``
        is ``(added, removed)`` for a many-to-many field, else None."""
        return [
            {
                "name": name,
                "label": self.label(row.model, name),
                "before": self.value(row.model, name, before),
                "after": self.value(row.model, name, after),
                "delta": _m2m_delta(before, after),
            }
            for name, (before, after) in row.changes.items()
        ]


# Views -----------------------------------------------------------------------


@auditor_required
@require_safe
def history(request):
    form, changes = _filtered(request)
    context = {"form": form, "changes": changes, "query": _query_without_page(request)}
    try:
        page = ORDER.page(
            changes,
            PAGE_SIZE,
            before=request.GET.get("before"),
            after=request.GET.get("after"),
        )
    except BadCursor:
        # A hand-edited link: say so rather than show a page the reader did not ask for.
        return render(
            request, "audit/history.html", {**context, "page": None, "bad_cursor": True}, status=400
        )
    for row in page:
        row.type_name = model_name(row.model)
        row.summary = summary(row)
    return render(
        request,
        "audit/history.html",
        {**context, "page": page},
        status=200 if form.is_valid() else 400,
    )


@auditor_required
@require_safe
def change(request, pk):
    row = change_for_user(request.user, pk)
    # The neighbours are those of the same object this user may read.
    same_object = changes_for(request.user).filter(model=row.model, object_id=row.object_id)
    older = (
        same_object.filter(Q(at__lt=row.at) | Q(at=row.at, pk__lt=row.pk))
        .order_by("-at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    newer = (
        same_object.filter(Q(at__gt=row.at) | Q(at=row.at, pk__gt=row.pk))
        .order_by("at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    formatter = ValueFormatter()
    formatter.prime([row])
    fields = formatter.fields(row)
    for f in fields:
        f["delta_text"] = delta_text(*f["delta"]) if f["delta"] else ""
    return render(
        request,
        "audit/change.html",
        {
            "row": row,
            "type_name": model_name(row.model),
            "fields": fields,
            "older": older,
            "newer": newer,
            "object_count": same_object.count(),
            "object_query": urlencode({"model": row.model, "object_id": row.object_id}),
        },
    )


# CSV export ------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv."""

    def write(self, value):
        return value


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_field(f):
    if f["delta"]:
        return f"{f['label']}: {delta_text(*f['delta'])}"
    before = EMPTY if f["before"] is None else f["before"]
    after = EMPTY if f["after"] is None else f["after"]
    return f"{f['label']}: {before} → {after}"


def csv_lines(changes, progress=None):
    writer = csv.writer(_Echo())
    header = [
        _("time"),
        _("user"),
        _("object type"),
        _("object id"),
        _("object"),
        _("action"),
        _("reason"),
        _("changes"),
    ]
    # The byte-order mark makes Excel read the file as UTF-8 (Chinese intact).
    yield "\ufeff" + writer.writerow([_cell(h) for h in header])
    rows = changes.iterator(chunk_size=CSV_BATCH)
    formatter = ValueFormatter()
    # Translated once per export, not once per row.
    type_name = cache(lambda label: str(model_name(label)))
    actions = {value: str(label) for value, label in ChangeLog.Action.choices}
    written = 0
    while batch := list(islice(rows, CSV_BATCH)):
        # One formatter for the export, so the few objects every batch names (regions,
        # people, checklist items) are read once; started afresh past a bound, which
        # keeps memory flat however long the export.
        if len(formatter) > CSV_KNOWN:
            formatter = ValueFormatter()
        formatter.prime(batch)
        for row in batch:
            diff = "; ".join(_csv_field(f) for f in formatter.fields(row))
            yield writer.writerow(
                [
                    _cell(value)
                    for value in (
                        people_time(row.at),
                        f"{row.user.display_name} ({row.user.username})"
                        if row.user
                        else _("system"),
                        type_name(row.model),
                        row.object_id,
                        row.object_repr,
                        actions.get(row.action, row.action),
                        row.reason,
                        diff,
                    )
                ]
            )
        written += len(batch)
        if progress is not None:
            progress(written)


@auditor_required
@require_safe
def history_csv(request):
    form, changes = _filtered(request)
    if not form.is_valid():
        # Show the reader what to correct rather than an empty file.
        return render(
            request,
            "audit/history.html",
            {"form": form, "page": None, "query": _query_without_page(request)},
            status=400,
        )
    if more_than(request.user, changes, settings.EXPORT_INLINE_ROWS):
        # Too long to write inside a request: offered as a background job (a GET never
        # queues one), which reports' export worker writes (audit.exports).
        return render(
            request,
            "audit/history_export.html",
            {
                "form": form,
                "inline_rows": settings.EXPORT_INLINE_ROWS,
                "filters": [
                    (name, value)
                    for name, values in request.GET.lists()
                    if name in form.fields
                    for value in values
                ],
            },
        )
    response = StreamingHttpResponse(
        csv_lines(changes.order_by("-at", "-id")), content_type=CSV_CONTENT_TYPE
    )
    stamp = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    response["Content-Disposition"] = f'attachment; filename="history-{stamp:%Y%m%d-%H%M}.csv"'
    return response


@auditor_required
@require_safe
def chain_jsonl(request):
    """The chain rows the auditor may read, as JSON Lines with their links, to check with
    tools/verify_audit.py (docs/audit-chain.md)."""

    def previous_of(seqs):
        return dict(ChangeLog.objects.filter(seq__in=seqs).values_list("seq", "hash"))

    rows = changes_for(request.user).exclude(seq=None)
    response = StreamingHttpResponse(
        chain.export_lines(rows, previous_of), content_type="application/x-ndjson; charset=utf-8"
    )
    stamp = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    response["Content-Disposition"] = (
        f'attachment; filename="audit-chain-{stamp:%Y%m%d-%H%M}.jsonl"'
    )
    return response
