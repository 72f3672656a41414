"""Events of the inspection lifecycle, for the flows in ``workflows`` to follow.

Sent inside the writing transaction: if a receiver fails, the change is rolled
back with it, so the domain record and the process never disagree.
"""

from django.dispatch import Signal

# kwargs: inspection, event ("opened", "scheduled", "started", "finished", "cancelled"), by
inspection_changed = Signal()

# kwargs: hazard, event ("registered", "changed", "closed"), by
hazard_changed = Signal()
