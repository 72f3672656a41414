from django.db import migrations

# The change index names each change's model by its label; these models moved app
# (core 0001, reports 0001), so their recorded changes take the new labels.
MOVED = {
    "registry.calendaryear": "core.calendaryear",
    "registry.calendarday": "core.calendarday",
    "inspections.sequence": "core.sequence",
    "inspections.notification": "core.notification",
    "registry.apitoken": "reports.apitoken",
}


def _rewrite(apps, schema_editor, labels):
    ChangeLog = apps.get_model("audit", "ChangeLog")
    changes = ChangeLog.objects.using(schema_editor.connection.alias)
    for old, new in labels.items():
        changes.filter(model=old).update(model=new)


def relabel(apps, schema_editor):
    _rewrite(apps, schema_editor, MOVED)


def restore(apps, schema_editor):
    _rewrite(apps, schema_editor, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_backfill_change_regions"),
        ("core", "0001_calendar_numbers_notifications"),
        ("reports", "0001_api_tokens"),
    ]

    operations = [migrations.RunPython(relabel, restore)]
