"""Models that moved app keep their rows: the working-day calendar (from registry),
numbered series and notifications (from inspections) now in core, API tokens (from
registry) now in reports.

The database is taken back to before the moves, rows are written through the old
models (the migrations' historical ones), and the database is brought forward again:
every row, history record, token region and recorded change must be there under the
new models, with the same ids.
"""

from datetime import UTC, date, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import ChangeLog
from core.models import CalendarDay, CalendarYear, Notification, Sequence
from reports.models import ApiToken

# The migrations that take the models out of their old apps, by name (the lead may
# renumber them). Going back to just before them undoes every move and relabelling.
MOVED_OUT = {
    "registry": "_move_calendar_and_api_tokens_out",
    "inspections": "_move_sequence_and_notification_out",
}
AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def before_the_moves(executor):
    graph = executor.loader.graph
    targets = []
    for app, suffix in MOVED_OUT.items():
        (key,) = [k for k in graph.nodes if k[0] == app and k[1].endswith(suffix)]
        (parent,) = [p.key for p in graph.node_map[key].parents if p.key[0] == app]
        targets.append(parent)
    return targets


def history(model, row, **values):
    """A history record of ``row`` written through the old historical model."""
    return model.objects.create(
        id=row.pk, history_date=AT, history_type="+", history_change_reason="", **values
    )


def old_rows(apps):
    """Rows of every moving model, its history and a recorded change of it, written
    through the models as they were before the move."""
    region = apps.get_model("registry", "Region").objects.create(
        code="430602", name="岳阳楼区", path="430602/"
    )
    user = apps.get_model("registry", "User").objects.create(username="lead", password="!")

    def model(label):
        return apps.get_model(label)

    year = model("registry.CalendarYear").objects.create(year=2026, source="国务院办公厅")
    day = model("registry.CalendarDay").objects.create(
        date=date(2026, 10, 1), kind="holiday", name="国庆节"
    )
    token = model("registry.ApiToken").objects.create(
        name="省平台", key_sha256="a" * 64, created_by=user
    )
    token.regions.add(region)
    series = model("inspections.Sequence").objects.create(name="notice:430602", year=2026, last=7)
    message = model("inspections.Notification").objects.create(
        user=user, text="您被抽中参加检查", url="/inspections/inspections/1/", created_at=AT
    )
    records = {
        "year": history(
            model("registry.HistoricalCalendarYear"),
            year,
            year=2026,
            source=year.source,
            loaded_at=AT,
        ),
        "day": history(model("registry.HistoricalCalendarDay"), day, date=day.date, kind="holiday"),
        "token": history(
            model("registry.HistoricalApiToken"),
            token,
            name=token.name,
            key_sha256=token.key_sha256,
            created_at=AT,
            created_by=user,
        ),
        "series": history(
            model("inspections.HistoricalSequence"), series, name=series.name, year=2026, last=7
        ),
        "message": history(
            model("inspections.HistoricalNotification"),
            message,
            user=user,
            text=message.text,
            created_at=AT,
        ),
    }
    model("registry.HistoricalApiToken_regions").objects.create(
        id=token.regions.through.objects.get().pk,
        history=records["token"],
        apitoken=token,
        region=region,
    )
    moved = {
        "registry.calendaryear": year,
        "registry.calendarday": day,
        "registry.apitoken": token,
        "inspections.sequence": series,
        "inspections.notification": message,
    }
    change_log = model("audit.ChangeLog")
    changes = {}
    for (label, row), key in zip(moved.items(), records, strict=True):
        changes[label] = change_log.objects.create(
            at=AT,
            model=label,
            object_id=str(row.pk),
            object_repr=str(row.pk),
            action="+",
            history_id=records[key].history_id,
        ).pk
    return {
        "region": region.pk,
        "user": user.pk,
        "year": year.pk,
        "day": day.pk,
        "token": token.pk,
        "series": series.pk,
        "message": message.pk,
        "history": {key: record.history_id for key, record in records.items()},
        "changes": changes,
    }


@pytest.mark.django_db(transaction=True)
def test_moved_models_keep_their_rows_history_and_ids():
    content_type = ContentType.objects.get_for_model(Notification).pk
    executor = MigrationExecutor(connection)
    executor.migrate(before_the_moves(executor))
    try:
        # The state of what is applied now (what migrate() returns for two targets is not).
        executor.loader.build_graph()
        old_apps = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
        old_type = old_apps.get_model("contenttypes", "ContentType").objects.get(
            app_label="inspections", model="notification"
        )
        ids = old_rows(old_apps)
    finally:
        # Forward again even when writing failed: later tests need today's schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()
    assert old_type.pk == content_type

    year = CalendarYear.objects.get(pk=ids["year"])
    assert (year.year, year.source) == (2026, "国务院办公厅")
    assert year.history.get().history_id == ids["history"]["year"]
    day = CalendarDay.objects.get(pk=ids["day"])
    assert (day.date, day.kind, day.name) == (date(2026, 10, 1), CalendarDay.Kind.HOLIDAY, "国庆节")
    assert day.history.get().history_id == ids["history"]["day"]

    token = ApiToken.objects.get(pk=ids["token"])
    assert (token.name, token.created_by_id) == ("省平台", ids["user"])
    assert list(token.regions.values_list("pk", flat=True)) == [ids["region"]]
    record = token.history.get()
    assert record.history_id == ids["history"]["token"]
    assert list(record.regions.values_list("region_id", flat=True)) == [ids["region"]]

    series = Sequence.objects.get(pk=ids["series"])
    assert (series.name, series.year, series.last) == ("notice:430602", 2026, 7)
    assert series.history.get().history_id == ids["history"]["series"]
    message = Notification.objects.get(pk=ids["message"])
    assert (message.user_id, message.text) == (ids["user"], "您被抽中参加检查")
    assert message.history.get().history_id == ids["history"]["message"]
    # The renamed tables go on numbering where the old ones stopped.
    assert Notification.objects.create(user_id=ids["user"], text="新消息").pk > message.pk

    assert ContentType.objects.get_for_model(Notification).pk == content_type
    assert not ContentType.objects.filter(app_label="inspections", model="notification").exists()
    labels = dict(ChangeLog.objects.values_list("pk", "model"))
    assert {labels[pk] for pk in ids["changes"].values()} == {
        "core.calendaryear",
        "core.calendarday",
        "reports.apitoken",
        "core.sequence",
        "core.notification",
    }
