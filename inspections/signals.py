"""Events of the inspection lifecycle, for the flows in ``workflows`` to follow.

Sent inside the writing transaction: if a receiver fails, the change is rolled
back with it, so the domain record and the process never disagree.
"""

from django.dispatch import Signal

# kwargs: inspection, event, by. Events: "opened", "scheduled", "started", "record_changed"
# (confirmations or the signature voided or asked for), "confirmed", "signed", "finished",
# "cancelled", "notice_issued", "notice_acknowledged", and "publication_opened",
# "_published", "_returned", "_resubmitted", "_withdrawn" of its result; "changed" for
# anything else its flow should look at again.
inspection_changed = Signal()

# kwargs: hazard, event ("registered", "changed", "reinspection_requested"), by
hazard_changed = Signal()

# kwargs: case, event ("opened", "decided", "lapsed"), by. A credit case waits on a
# county lead until it is decided or no longer applies.
credit_changed = Signal()
