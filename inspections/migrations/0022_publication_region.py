# Each result keeps its facility's region (a region's public results in one index
# range). Existing results take their facility's region now; 0023 requires it, in
# a transaction of its own (PostgreSQL checks the new keys at this one's commit and
# refuses to alter a table with checks pending).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# A correlated subquery: the same statement on PostgreSQL and SQLite.
FILL = """
UPDATE inspections_publication SET region_id = (
    SELECT f.region_id
    FROM inspections_inspection i JOIN registry_facility f ON f.id = i.facility_id
    WHERE i.id = inspections_publication.inspection_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0021_undisclosed_index"),
        ("registry", "0006_licences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpublication",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.region",
                verbose_name="region",
            ),
        ),
        migrations.AddField(
            model_name="publication",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.region",
                verbose_name="region",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
