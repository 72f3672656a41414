"""The control order document (责令停止使用 / 停业整顿决定书)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import access

from .documents import _authority, _due, _facility, _team
from .enforcement_documents import Kind, register


def _local(moment):
    return timezone.localtime(moment) if moment else None


def _context(order):
    facility = order.facility
    if order.inspection_id:
        authority = _authority(order.inspection, _team(order.inspection))
    else:
        authority = _("%(region)s Civil Affairs Bureau") % {"region": facility.region.name}
    return {
        "order": order,
        "authority": authority,
        "facility": _facility(facility),
        "hazard": order.hazard,
        # The hazard's remediation deadline, which the order does not replace.
        "hazard_due": _due(order.hazard) if order.hazard_id else "",
        "issued_at": _local(order.issued_at),
        "acknowledged_at": _local(order.acknowledged_at),
        "acknowledged_by": order.acknowledged_by.display_name if order.acknowledged_by else "",
    }


register(
    "control",
    Kind(
        load=access.control_order_for_user,
        template="reports/documents/control.html",
        title=lambda: _("Decision to stop use or suspend operation"),
        context=_context,
    ),
)
