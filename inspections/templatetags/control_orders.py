"""``{% control_orders_in_force facility [hazard] %}``: the control orders in force on a
facility, and the link to issue one, for the pages that show the facility (the registry's
facility page) or a hazard of it. A tag, so that the registry asks nothing of inspections
in Python."""

from django import template

from inspections import access, policy
from inspections.enforcement.orders import orders_in_force
from inspections.onsite.models import Inspection

register = template.Library()


def _issue_source(facility, hazard):
    """What a new order would be issued from: the hazard's inspection while it is under
    way (the team on site), else the facility (a lead)."""
    if hazard is not None and hazard.inspection_id:
        if hazard.inspection.status == Inspection.Status.IN_PROGRESS:
            return hazard.inspection
    return facility


@register.inclusion_tag("inspections/enforcement/_orders_in_force.html", takes_context=True)
def control_orders_in_force(context, facility, hazard=None):
    user = context["request"].user
    orders = orders_in_force(facility=facility).filter(
        pk__in=access.control_orders_for(user).values("pk")
    )
    may_issue = (hazard is None or hazard.is_open) and policy.allowed(
        policy.control_order_issue_refusal, user, _issue_source(facility, hazard)
    )
    return {
        "orders": list(orders.select_related("hazard")),
        "hazard": hazard,
        "facility": facility,
        "may_issue": may_issue,
    }
