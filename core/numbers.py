"""Numbered series: register numbers, notice and document numbers, gap-free per year."""

from django.db import IntegrityError, transaction

from core.audited import Actor, save_with_history
from core.models import Sequence


def next_number(*, series: str, year: int, by: Actor) -> int:
    """The next number of ``series`` in ``year``: gap-free and never issued twice,
    because the counter row is locked until the caller's transaction commits."""
    try:
        with transaction.atomic():
            counter, _created = Sequence.objects.select_for_update().get_or_create(
                name=series, year=year
            )
    except IntegrityError:  # another transaction created the row first
        counter = Sequence.objects.select_for_update().get(name=series, year=year)
    counter.last += 1
    save_with_history(counter, by=by)
    return counter.last
