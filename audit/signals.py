from collections import defaultdict

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from core.audited import history_bulk_created

from . import chain
from .models import ChainHead, ChangeLog, ChangeRegion
from .places import PLACING_FIELDS, RULES, Places, place_of


def _display(value):
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _field_values(record):
    values = {}
    for field in record.instance_type._meta.fields:
        if field.name not in {f.name for f in record._meta.fields}:
            continue
        attname = field.attname
        values[field.name] = _display(getattr(record, attname, None))
    return values


def _field(instance, name):
    try:
        return instance._meta.get_field(name)
    except FieldDoesNotExist:  # a field that exists only on the history model
        return None


def _related_ids(field, rows):
    """Many-to-many changes arrive as through-row dicts keyed by model name."""
    key = field.related_model._meta.model_name
    return {row.get(key) for row in rows or []}


def _names(model, ids):
    """The objects' names in the model's own order (regions by code); gone ones by id."""
    found = model._default_manager.filter(pk__in=ids)
    if not found.ordered:
        found = found.order_by("pk")
    names = [str(obj) for obj in found]
    gone = sorted(set(ids) - {obj.pk for obj in found})
    return names + [f"#{pk}" for pk in gone]


class Reading:
    """A historical record read for the index: ``changes`` as stored, the regions
    the object left or joined (``moved``), and the objects an m2m change attached
    to it or it to them (``attached``: {label: {object ids}})."""

    def __init__(self, instance, record):
        self.moved = set()
        self.attached = defaultdict(set)
        action = record.history_type
        if action == "+":
            values = _field_values(record).items()
            self.changes = {k: [None, v] for k, v in values if v not in (None, "")}
        elif action == "-":
            values = _field_values(record).items()
            self.changes = {k: [v, None] for k, v in values if v not in (None, "")}
        # prev_record is a query each time it is read: read once.
        elif (previous := record.prev_record) is None:
            self.changes = {k: [None, v] for k, v in _field_values(record).items()}
        else:
            delta = record.diff_against(previous)
            self.changes = {
                change.field: self._read(instance, _field(instance, change.field), change)
                for change in delta.changes
            }

    def _read(self, instance, field, change):
        label = instance._meta.label_lower
        placing = field is not None and PLACING_FIELDS.get(label) == field.name
        if field is not None and field.many_to_many:
            before, after = _related_ids(field, change.old), _related_ids(field, change.new)
            if placing:
                self.moved |= before | after
            self.attached[label].add(str(instance.pk))
            self.attached[field.related_model._meta.label_lower] |= {
                str(pk) for pk in after - before
            }
            return [_names(field.related_model, before), _names(field.related_model, after)]
        if placing:
            self.moved |= {change.old, change.new} - {None}
        return [_display(change.old), _display(change.new)]


def _place(change_ids, regions):
    ChangeRegion.objects.bulk_create(
        [ChangeRegion(change_id=c, region_id=r) for c in change_ids for r in regions]
    )


def _adopt(label, object_ids, regions):
    """Rows recorded while an object belonged to no region (a user is created, then
    given regions; a manager, then their facility) join the regions it first gets,
    rather than stay readable by every auditor."""
    if label not in RULES or not regions or not object_ids:
        return
    orphans = ChangeLog.objects.filter(model=label, object_id__in=object_ids).filter(
        ~Exists(ChangeRegion.objects.filter(change=OuterRef("pk")))
    )
    _place(list(orphans.values_list("pk", flat=True)), regions)


def _change(places, instance, record, history_user):
    """The unsaved ``ChangeLog`` row of one historical record, its regions and reading."""
    reading = Reading(instance, record)
    opts = instance._meta
    place = place_of(places, opts.label_lower, record)
    regions = place.regions | reading.moved
    user = history_user if getattr(history_user, "pk", None) else None
    row = ChangeLog(
        at=record.history_date,
        user=user,
        model=opts.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        action=record.history_type,
        history_id=record.pk,
        reason=(record.history_change_reason or "")[:300],
        changes=reading.changes,
        inspection_id=place.inspection,
    )
    return row, regions, reading


def _held_inspection(places, instance):
    """An answer, a photo, a hazard written with its inspection (and that one's
    facility) in hand, as the services hold them under the inspection's lock: the
    inspection's place is known without a query."""
    try:
        field = instance._meta.get_field("inspection")
    except FieldDoesNotExist:
        return
    if field.related_model is None or not field.is_cached(instance):
        return
    if field.related_model._meta.label_lower != "inspections.inspection":
        return
    inspection = field.get_cached_value(instance)
    if inspection is None:
        return
    facility = inspection._meta.get_field("facility")
    if facility.is_cached(inspection):
        places.know_inspection(inspection.pk, facility.get_cached_value(inspection).region_id)


@receiver(post_create_historical_record)
def record_change(sender, instance, history_instance, history_user, **kwargs):
    places = Places(apps)
    _held_inspection(places, instance)
    row, regions, reading = _change(places, instance, history_instance, history_user)
    # A transaction of its own when the writer has none: the head's lock, the row and
    # its link stand or fall together. Inside the writer's, no savepoint: a change
    # whose link failed must not be kept, so the writer's transaction fails with it.
    with transaction.atomic(savepoint=False):
        chain.append(row, regions, ChainHead)
        row.save()
        _place([row.pk], regions)
    for label, object_ids in reading.attached.items():
        _adopt(label, object_ids, regions)


@receiver(history_bulk_created)
def record_changes(sender, pairs, **kwargs):
    """The rows of a bulk write (core.audited.bulk_create_with_history): the same
    ``ChangeLog`` rows, regions and chain links as one ``record_change`` each, in a
    few queries (the places looked up together, one move of the chain's head)."""
    places = Places(apps)
    records = [record for _instance, record in pairs]
    notifications = sender._meta.label_lower == "core.notification"
    places.prefetch(
        hazards={getattr(record, "hazard_id", None) for record in records},
        users={record.user_id for record in records} if notifications else (),
    )
    changes = [_change(places, obj, record, record.history_user) for obj, record in pairs]
    with transaction.atomic(savepoint=False):
        chain.append_many([(row, regions) for row, regions, _reading in changes], ChainHead)
        ChangeLog.objects.bulk_create([row for row, _regions, _reading in changes])
        ChangeRegion.objects.bulk_create(
            [ChangeRegion(change_id=row.pk, region_id=r) for row, rs, _ in changes for r in rs]
        )
    for _row, regions, reading in changes:
        for label, object_ids in reading.attached.items():
            _adopt(label, object_ids, regions)
