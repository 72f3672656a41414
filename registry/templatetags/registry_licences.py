"""``{% licence_section facility %}``: the facility's licences and certificates on its
registry page, expired ones and those expiring soon marked, with the editing links for
whoever may record them."""

from django import template
from django.utils import timezone

from registry import licences

register = template.Library()


@register.inclusion_tag("registry/licence_section.html", takes_context=True)
def licence_section(context, facility):
    user = context["request"].user
    today = timezone.localdate()
    held, former = [], []
    for licence in facility.licences.order_by("expires_on", "kind", "pk"):
        licence.state = licences.licence_state(licence, today)
        (held if licence.active else former).append(licence)
    return {
        "facility": facility,
        "held": held,
        "former": former,
        "may_edit": licences.edit_refusal(user, facility) is None,
    }
