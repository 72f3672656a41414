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


def _is_m2m(instance, name):
    try:
        return instance._meta.get_field(name).many_to_many
    except Exception:  # a field that exists only on the history model
        return False


def _m2m_names(instance, change):
    """Many-to-many changes arrive as through-row dicts; show the related objects' names."""
    field = instance._meta.get_field(change.field)
    related = field.related_model
    key = related._meta.model_name
    ids = {row.get(key) for row in [*(change.old or []), *(change.new or [])]}
    names = {obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=ids)}

    def show(rows):
        return ", ".join(sorted(names.get(row.get(key), str(row.get(key))) for row in rows or []))

    return [show(change.old), show(change.new)]


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
                change.field: _m2m_names(instance, change)
                if _is_m2m(instance, change.field)
                else [_display(change.old), _display(change.new)]
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
