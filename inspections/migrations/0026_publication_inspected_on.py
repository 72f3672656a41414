# Each result keeps its current version's inspection date, so that the public order
# (newest inspection first) is an index on the result itself, for a region or for all;
# the version's index on it is then read by nothing and goes.

from django.conf import settings
from django.db import migrations, models

# A correlated subquery: the same statement on PostgreSQL and SQLite.
FILL = """
UPDATE inspections_publication SET inspected_on = (
    SELECT v.inspected_on FROM inspections_publicationversion v
    WHERE v.id = inspections_publication.current_id
)
WHERE current_id IS NOT NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0025_hazard_region_required'),
        ('registry', '0006_licences'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='publicationversion',
            name='version_newest_first',
        ),
        migrations.AddField(
            model_name='historicalpublication',
            name='inspected_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='inspection date'),
        ),
        migrations.AddField(
            model_name='publication',
            name='inspected_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='inspection date'),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('current__isnull', False), ('status__in', ['published', 'withdrawn'])), fields=['region', 'inspected_on', 'id'], name='publication_public_region_day'),
        ),
        migrations.AddIndex(
            model_name='publication',
            index=models.Index(condition=models.Q(('current__isnull', False), ('status__in', ['published', 'withdrawn'])), fields=['inspected_on', 'id'], name='publication_public_newest'),
        ),
    ]
