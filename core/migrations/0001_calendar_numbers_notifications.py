"""The working-day calendar (from registry), numbered series and notifications (from
inspections) become core's, with their rows and history.

registry 0004 and inspections 0008 dropped the models from their apps' picture without
touching the database. Here core takes them over under their old table names, then
renames each table to core's own (a rename keeps every row and id), and relabels their
content types so that permissions and admin log entries follow. The audit index's
labels are rewritten by audit 0005.
"""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# (old app, model): every model that moves here, historical ones included.
MOVED = [
    ("registry", "calendaryear"),
    ("registry", "historicalcalendaryear"),
    ("registry", "calendarday"),
    ("registry", "historicalcalendarday"),
    ("inspections", "sequence"),
    ("inspections", "historicalsequence"),
    ("inspections", "notification"),
    ("inspections", "historicalnotification"),
]


def _relabel(apps, schema_editor, *, forwards):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for old_app, model in MOVED:
        source, target = (old_app, "core") if forwards else ("core", old_app)
        # Should the new label exist already, it stays (labels are unique) and the old
        # one is left to remove_stale_contenttypes.
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def relabel_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, forwards=True)


def restore_content_types(apps, schema_editor):
    _relabel(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inspections", "0008_move_sequence_and_notification_out"),
        ("registry", "0004_move_calendar_and_api_tokens_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CalendarYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='year')),
                        ('source', models.CharField(max_length=200, verbose_name='source')),
                        ('loaded_at', models.DateTimeField(auto_now=True, verbose_name='loaded at')),
                    ],
                    options={
                        'db_table': 'registry_calendaryear',
                        'verbose_name': 'official calendar year',
                        'verbose_name_plural': 'official calendar years',
                        'ordering': ['year'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalCalendarYear',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(db_index=True, verbose_name='year')),
                        ('source', models.CharField(max_length=200, verbose_name='source')),
                        ('loaded_at', models.DateTimeField(blank=True, editable=False, verbose_name='loaded at')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'registry_historicalcalendaryear',
                        'verbose_name': 'historical official calendar year',
                        'verbose_name_plural': 'historical official calendar years',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='CalendarDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(unique=True, verbose_name='date')),
                        ('kind', models.CharField(choices=[('holiday', 'Holiday (day off)'), ('workday', 'Make-up working day')], max_length=10, verbose_name='kind')),
                        ('name', models.CharField(blank=True, max_length=60, verbose_name='name')),
                    ],
                    options={
                        'db_table': 'registry_calendarday',
                        'verbose_name': 'calendar day',
                        'verbose_name_plural': 'calendar days',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalCalendarDay',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('date', models.DateField(db_index=True, verbose_name='date')),
                        ('kind', models.CharField(choices=[('holiday', 'Holiday (day off)'), ('workday', 'Make-up working day')], max_length=10, verbose_name='kind')),
                        ('name', models.CharField(blank=True, max_length=60, verbose_name='name')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'registry_historicalcalendarday',
                        'verbose_name': 'historical calendar day',
                        'verbose_name_plural': 'historical calendar days',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Sequence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=60, verbose_name='series')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('last', models.PositiveIntegerField(default=0, verbose_name='last number')),
                    ],
                    options={
                        'db_table': 'inspections_sequence',
                        'verbose_name': 'number series',
                        'verbose_name_plural': 'number series',
                        'constraints': [models.UniqueConstraint(fields=('name', 'year'), name='one_sequence_per_year')],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalSequence',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name', models.CharField(max_length=60, verbose_name='series')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('last', models.PositiveIntegerField(default=0, verbose_name='last number')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'inspections_historicalsequence',
                        'verbose_name': 'historical number series',
                        'verbose_name_plural': 'historical number series',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.CharField(max_length=500, verbose_name='text')),
                        ('url', models.CharField(blank=True, max_length=300, verbose_name='link')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'db_table': 'inspections_notification',
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalNotification',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('text', models.CharField(max_length=500, verbose_name='text')),
                        ('url', models.CharField(blank=True, max_length=300, verbose_name='link')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'db_table': 'inspections_historicalnotification',
                        'verbose_name': 'historical notification',
                        'verbose_name_plural': 'historical notifications',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="calendaryear", table=None),
        migrations.AlterModelTable(name="historicalcalendaryear", table=None),
        migrations.AlterModelTable(name="calendarday", table=None),
        migrations.AlterModelTable(name="historicalcalendarday", table=None),
        migrations.AlterModelTable(name="sequence", table=None),
        migrations.AlterModelTable(name="historicalsequence", table=None),
        migrations.AlterModelTable(name="notification", table=None),
        migrations.AlterModelTable(name="historicalnotification", table=None),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
