from django import template

from checklists.rules import describe
from checklists.scoring import plain_number

register = template.Library()


@register.filter
def rule_text(rule):
    return describe(rule)


register.filter("plain_number", plain_number)
