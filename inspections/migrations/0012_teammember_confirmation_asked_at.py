from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0011_offline_capture_uploads_and_photo_removal"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalteammember",
            name="confirmation_asked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="asked to confirm at"),
        ),
        migrations.AddField(
            model_name="teammember",
            name="confirmation_asked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="asked to confirm at"),
        ),
    ]
