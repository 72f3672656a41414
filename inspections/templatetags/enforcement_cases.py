"""``{% enforcement_cases hazard=… %}`` / ``{% enforcement_cases inspection=… %}``: the
cases opened for a hazard or an inspection, and the link to open one, for the staff
who may see them. A tag, so that those pages' views stay as they are."""

from django import template

from inspections import access, policy

register = template.Library()


@register.inclusion_tag("inspections/enforcement/_cases.html", takes_context=True)
def enforcement_cases(context, hazard=None, inspection=None):
    user = context["request"].user
    subject = hazard or inspection
    found = access.cases_for(user).filter(
        **({"hazard": hazard} if hazard else {"inspection": inspection})
    )
    return {
        "cases": list(found.order_by("-opened_at", "-pk")),
        "source": "hazard" if hazard else "inspection",
        "subject": subject,
        "may_open": policy.allowed(policy.enforcement_case_refusal, user, subject.facility),
    }
