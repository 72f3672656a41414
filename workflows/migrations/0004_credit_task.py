"""Credit cases wait in the county leads' inboxes: the task kind "credit"."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_window_flow_rows_removed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicaltaskscope",
            name="kind",
            field=models.CharField(
                choices=[
                    ("schedule", "Set the visit date and notify the facility"),
                    ("visit", "Start the inspection on site"),
                    ("confirm", "Confirm the inspection record"),
                    ("sign", "Collect the facility's signature"),
                    ("acknowledge", "Acknowledge the rectification notice"),
                    ("review", "Review and publish the result"),
                    ("revise", "Revise the returned result"),
                    ("plan", "File the five-in-place plan"),
                    ("rectify", "Rectify the hazard"),
                    ("verify", "Verify the fix"),
                    ("extension", "Decide on the extension"),
                    ("sign_off", "Sign off the major hazard"),
                    ("note", "Write the monthly supervision note"),
                    ("reinspect", "Open the requested re-inspection"),
                    ("credit", "Decide the credit case"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="taskscope",
            name="kind",
            field=models.CharField(
                choices=[
                    ("schedule", "Set the visit date and notify the facility"),
                    ("visit", "Start the inspection on site"),
                    ("confirm", "Confirm the inspection record"),
                    ("sign", "Collect the facility's signature"),
                    ("acknowledge", "Acknowledge the rectification notice"),
                    ("review", "Review and publish the result"),
                    ("revise", "Revise the returned result"),
                    ("plan", "File the five-in-place plan"),
                    ("rectify", "Rectify the hazard"),
                    ("verify", "Verify the fix"),
                    ("extension", "Decide on the extension"),
                    ("sign_off", "Sign off the major hazard"),
                    ("note", "Write the monthly supervision note"),
                    ("reinspect", "Open the requested re-inspection"),
                    ("credit", "Decide the credit case"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
    ]
