from django.db import migrations


class Migration(migrations.Migration):
    """The working-day calendar moves to core (core 0001), API tokens to reports
    (reports 0001). Only Django's picture of the models changes here: the tables and
    their rows stay, and the new apps' migrations take them over."""

    dependencies = [
        ("registry", "0003_user_regions_history"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Historical m2m rows point at the historical token and the token:
                # the models that point go first.
                migrations.DeleteModel(name="HistoricalApiToken_regions"),
                migrations.DeleteModel(name="HistoricalApiToken"),
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="HistoricalCalendarDay"),
                migrations.DeleteModel(name="CalendarDay"),
                migrations.DeleteModel(name="HistoricalCalendarYear"),
                migrations.DeleteModel(name="CalendarYear"),
            ],
            database_operations=[],
        ),
    ]
