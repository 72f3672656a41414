"""A facility moved to another region takes its hazards with it (``inspections.receivers``)
without writing back over a change made to one of them at the same moment, and without
a deadlock with it."""

import threading

import pytest
from django.db import connection, transaction

from core.audited import save_with_history
from inspections.hazards.models import Hazard
from registry import services as registry_services
from tests.inspections.conftest import make_hazard
from tests.locks import waiting_for_a_lock


@pytest.mark.django_db(transaction=True)
def test_a_move_waits_for_a_change_to_a_hazard_and_keeps_it(world, lead):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    hazard = make_hazard(world["facility"], lead)
    holding, release = threading.Event(), threading.Event()
    failures = []

    def edit():
        # Another request locks the hazard, as services do, and changes it while the
        # facility is being moved.
        try:
            with transaction.atomic():
                mine = Hazard.objects.select_for_update().get(pk=hazard.pk)
                holding.set()
                release.wait(30)
                mine.description = "楼道堆放杂物，已部分清理"
                save_with_history(mine, by=lead)
        except Exception as error:  # noqa: BLE001  (reported by the test below)
            failures.append(error)
        finally:
            connection.close()

    def move():
        try:
            registry_services.facility_save(
                facility=world["facility"], values={"region": world["other_county"]}, by=lead
            )
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connection.close()

    editor, mover = threading.Thread(target=edit), threading.Thread(target=move)
    editor.start()
    try:
        assert holding.wait(30)
        mover.start()
        waiting_for_a_lock(mover)
    finally:
        release.set()
        editor.join(30)
        mover.join(30)
    assert failures == []
    hazard.refresh_from_db()
    assert hazard.region == world["other_county"]
    assert hazard.description == "楼道堆放杂物，已部分清理"
