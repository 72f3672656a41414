from django.db import migrations


class Migration(migrations.Migration):
    """Numbered series and notifications move to core (core 0001). Only Django's
    picture of the models changes here: the tables and their rows stay, and core's
    migration takes them over."""

    dependencies = [
        ("inspections", "0007_photo_camera_time"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalSequence"),
                migrations.DeleteModel(name="Sequence"),
                migrations.DeleteModel(name="HistoricalNotification"),
                migrations.DeleteModel(name="Notification"),
            ],
            database_operations=[],
        ),
    ]
