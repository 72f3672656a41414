# Every result has its region now (0022): the column is required, and indexed for a
# region's public results.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0022_publication_region"),
    ]

    operations = [
        migrations.AlterField(
            model_name="publication",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.region",
                verbose_name="region",
            ),
        ),
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(
                condition=models.Q(
                    ("current__isnull", False), ("status__in", ["published", "withdrawn"])
                ),
                fields=["region", "id"],
                name="publication_public_by_region",
            ),
        ),
    ]
