"""Seed the major-hazard criteria of 民办发〔2023〕13号 from inspections/enforcement/criteria.yaml
(through inspections.enforcement.criteria, which the demo seed uses too)."""

from django.db import migrations

from inspections.enforcement import criteria


def seed(apps, schema_editor):
    criteria.load(apps.get_model("inspections", "MajorCriterion"))


class Migration(migrations.Migration):
    dependencies = [("inspections", "0014_enforcement")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
