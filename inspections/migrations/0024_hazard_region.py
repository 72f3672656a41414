# Each hazard keeps its facility's region (a region's register in one index range).
# Existing hazards take their facility's region now; 0025 requires it, in a transaction
# of its own (as 0023 for the results: PostgreSQL refuses to alter a table while the
# fill's foreign-key checks are pending).

import django.db.models.deletion
from django.db import migrations, models

# A correlated subquery: the same statement on PostgreSQL and SQLite.
FILL = """
UPDATE inspections_hazard SET region_id = (
    SELECT f.region_id FROM registry_facility f WHERE f.id = inspections_hazard.facility_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0023_publication_region_required"),
        ("registry", "0006_licences"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalhazard",
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
            model_name="hazard",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.region",
                verbose_name="region",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
