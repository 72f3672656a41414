from django import template

from checklists.rules import describe

register = template.Library()


@register.filter
def rule_text(rule):
    return describe(rule)
