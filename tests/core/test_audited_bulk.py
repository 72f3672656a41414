"""``bulk_create_with_history``: the bulk write of the dispatcher's bursts records what
one save each would: a history row, a change-index row with its regions, and the next
links of the tamper-evident chain, which still verifies."""

from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import ChangeLog
from core.audited import UnauditedWriteError, bulk_create_with_history
from core.models import Notification
from core.notifications import notify, notify_many
from registry.models import User


def recorded(notification: Notification) -> ChangeLog:
    return ChangeLog.objects.get(model="core.notification", object_id=str(notification.pk))


def test_a_bulk_write_records_what_saves_one_by_one_record(
    lead: User, manager: User, django_capture_on_commit_callbacks
) -> None:
    url = "/inspections/hazards/1/"
    one = notify(user=manager, text="一条", url=url, by=lead)
    with django_capture_on_commit_callbacks(execute=False) as delivered:
        assert notify_many([(manager, "两条", url), (lead, "三条", url)], by=lead) == 2
    assert len(delivered) == 1  # the channels after commit, as for one
    two, three = Notification.objects.filter(text__in=["两条", "三条"]).order_by("text")
    assert sorted([two.user_id, three.user_id]) == sorted([manager.pk, lead.pk])
    single, bulk = recorded(one), recorded(two if two.user_id == manager.pk else three)
    # The same index row but for the object's own values: who, what, where, which link.
    for field in ("user_id", "model", "action", "region_ids", "inspection_id", "reason"):
        assert getattr(bulk, field) == getattr(single, field), field
    assert set(bulk.changes) == set(single.changes)
    assert bulk.changes["text"] == [None, "两条"]
    assert bulk.seq > single.seq
    history = Notification.history.filter(id__in=[two.pk, three.pk])
    assert sorted(history.values_list("history_type", "history_user")) == [
        ("+", lead.pk),
        ("+", lead.pk),
    ]
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_the_chain_links_a_bulk_write_in_order_after_the_last_row(lead: User) -> None:
    before = ChangeLog.objects.order_by("-seq").first()
    notifications = [Notification(user_id=lead.pk, text=f"第{n}条") for n in range(5)]
    bulk_create_with_history(notifications, by=lead)
    rows = list(ChangeLog.objects.filter(model="core.notification").order_by("seq"))[-5:]
    first = before.seq + 1 if before else 1
    assert [row.seq for row in rows] == list(range(first, first + 5))
    assert [row.object_id for row in rows] == [str(n.pk) for n in notifications]
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK")


def test_the_audited_bulk_create_is_still_refused(lead: User) -> None:
    with pytest.raises(UnauditedWriteError, match=r"bulk_create\(\) on Notification"):
        Notification.objects.bulk_create([Notification(user_id=lead.pk, text="x")])
