# Every hazard has its region now (0024): the column is required, and indexed with the
# register number for a region's register.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0024_hazard_region"),
    ]

    operations = [
        migrations.AlterField(
            model_name="hazard",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.region",
                verbose_name="region",
            ),
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(fields=["region", "register_no"], name="hazard_by_region"),
        ),
    ]
