from django.db import migrations, models


class Migration(migrations.Migration):
    """The EXIF capture time is the camera's claim, not a fact: renamed to say so."""

    dependencies = [
        ("inspections", "0006_issued_documents"),
    ]

    operations = [
        migrations.RenameField(model_name="photo", old_name="taken_at", new_name="camera_time"),
        migrations.RenameField(
            model_name="historicalphoto", old_name="taken_at", new_name="camera_time"
        ),
        migrations.AlterField(
            model_name="photo",
            name="camera_time",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="time claimed by the camera (EXIF)"
            ),
        ),
        migrations.AlterField(
            model_name="historicalphoto",
            name="camera_time",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="time claimed by the camera (EXIF)"
            ),
        ),
    ]
