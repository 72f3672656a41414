"""What every page pays before its own work: session, user, scope and the unread
badge cost a fixed number of queries however many messages and facilities there are,
the badge counts through the partial index of unread messages and follows messages
read and new (benchmarks/overhead_bench.py times it)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.notifications import notify, unread_of
from tests.conftest import add_facility


def add_messages(user, read, unread):
    """Test setup in bulk: the timing fixture's way, without history rows."""
    now = timezone.now()
    Notification._base_manager.bulk_create(
        Notification(user=user, text=f"消息{n}", read_at=now if n < read else None)
        for n in range(read + unread)
    )


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_the_fixed_part_of_a_page_is_three_queries(as_user, lead):
    client = as_user(lead)
    page_queries(client, reverse("portal:outbox"))
    add_messages(lead, 500, 3)
    response, count = page_queries(client, reverse("portal:outbox"))
    # The session, the user, the unread count.
    assert count == 3
    assert 'data-unread="3"' in response.content.decode()


def test_the_badge_follows_messages_read_and_new(as_user, lead):
    client = as_user(lead)
    add_messages(lead, 10, 3)
    assert 'data-unread="3"' in client.get(reverse("home")).content.decode()
    response = client.post(reverse("portal:notifications_read"), follow=True)
    assert 'data-unread="0"' in response.content.decode()
    notify(user=lead, text="整改期限已到", by=None)
    assert 'data-unread="1"' in client.get(reverse("home")).content.decode()


def test_a_deactivated_account_is_signed_out_on_its_next_page(as_user, lead):
    client = as_user(lead)
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_scoped_list_costs_the_same_queries_however_many_rows(as_user, world, lead):
    client = as_user(lead)
    url = reverse("registry:facility_list")
    _, few = page_queries(client, url)
    add_messages(lead, 300, 2)
    for serial in range(100, 140):
        add_facility(world["county"], serial, f"新增养老院{serial}")
    response, many = page_queries(client, url)
    assert many == few
    assert 'data-unread="2"' in response.content.decode()


def test_the_badge_reads_the_index_of_unread_messages(lead):
    add_messages(lead, 200, 1)
    unread = unread_of(lead.pk)
    assert unread.count() == 1
    sql, params = unread.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test table is tiny: forbid the sequential scan to see the index is usable.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "notification_unread" in plan, plan
