from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from .models import ChangeLog


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


@receiver(post_create_historical_record)
def record_change(sender, instance, history_instance, history_user, **kwargs):
    record = history_instance
    action = record.history_type
    if action == "+":
        changes = {k: [None, v] for k, v in _field_values(record).items() if v not in (None, "")}
    elif action == "-":
        changes = {k: [v, None] for k, v in _field_values(record).items() if v not in (None, "")}
    else:
        previous = record.prev_record
        if previous is None:
            changes = {k: [None, v] for k, v in _field_values(record).items()}
        else:
            delta = record.diff_against(previous)
            changes = {
                change.field: [_display(change.old), _display(change.new)]
                for change in delta.changes
            }
    opts = instance._meta
    user = history_user if getattr(history_user, "pk", None) else None
    ChangeLog.objects.create(
        at=record.history_date,
        user=user,
        model=opts.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        action=action,
        history_id=record.pk,
        reason=(record.history_change_reason or "")[:300],
        changes=changes,
    )
