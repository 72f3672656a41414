"""Seed the major-hazard criteria of 民办发〔2023〕13号 from inspections/enforcement/criteria.yaml
(the file as it stood when this migration was written is the one it loads)."""

from pathlib import Path

import yaml
from django.db import migrations

CRITERIA = Path(__file__).resolve().parent.parent / "enforcement" / "criteria.yaml"


def seed(apps, schema_editor):
    MajorCriterion = apps.get_model("inspections", "MajorCriterion")
    for position, row in enumerate(yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))):
        MajorCriterion.objects.get_or_create(
            code=row["code"],
            defaults={
                "group": row["group"],
                "text": row["text"],
                "needs_outside_determination": bool(row.get("outside")),
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0014_enforcement")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
