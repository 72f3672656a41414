"""Chips that say where a piece of work stands, in words and in colour.

``{% due_chip due_date %}`` counts working days to a due date ("还剩 2 个工作日",
"今天到期", "已逾期 3 个工作日"); ``{% status_chip value label %}`` shows a status.
The class says the urgency for the eye (``chip overdue`` red, ``chip soon`` amber,
``chip done`` green, plain ``chip`` otherwise); the text always says it too.

The working-day calendar is read once per request (``core.workdays.countdown_for``),
so a list costs the same number of queries for 5 rows or 50.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django import template
from django.template import Context
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.workdays import Countdown, countdown_for

register = template.Library()

# Due within this many working days (today included) counts as due soon.
SOON_WORKING_DAYS = 3

# Status values, across the apps, that mean the work is done or the thing settled
# (a hazard closed out, an inspection finished, a result published, an extension
# approved, a fix accepted, a draw made); "overdue" is the one that means late.
DONE_STATUSES = frozenset({"closed", "finished", "published", "approved", "accepted", "valid"})
OVERDUE_STATUSES = frozenset({"overdue"})

RENDER_KEY = "core.due.countdown"


@dataclass(frozen=True)
class Chip:
    tone: str  # "overdue", "soon", "done" or "" (neutral)
    text: str

    @property
    def css(self) -> str:
        return f"chip {self.tone}" if self.tone else "chip"


def _countdown(context: Context) -> Countdown:
    request = context.get("request")
    if request is not None:
        return countdown_for(request)
    # Rendered without a request (a document, an e-mail): kept for this render.
    countdown = context.render_context.get(RENDER_KEY)
    if countdown is None:
        countdown = context.render_context[RENDER_KEY] = Countdown(timezone.localdate())
    return countdown


def due(
    countdown: Countdown, due_on: date, *, done: bool = False, soon: int = SOON_WORKING_DAYS
) -> Chip:
    """The chip for work due on ``due_on``, counted from the countdown's today."""
    if done:
        return Chip("done", _("Done"))
    left = countdown.left(due_on)
    if due_on < countdown.today:
        if left == 0:  # past only by non-working days
            return Chip("overdue", _("Overdue"))
        return Chip(
            "overdue",
            ngettext("%(n)s working day overdue", "%(n)s working days overdue", -left)
            % {"n": -left},
        )
    if due_on == countdown.today:
        return Chip("soon", _("Due today"))
    text = ngettext("%(n)s working day left", "%(n)s working days left", left) % {"n": left}
    return Chip("soon" if left <= soon else "", text)


def status(value: str, label: str) -> Chip:
    if value in OVERDUE_STATUSES:
        return Chip("overdue", label)
    if value in DONE_STATUSES:
        return Chip("done", label)
    return Chip("", label)


@register.simple_tag(takes_context=True)
def due_chip(
    context: Context,
    due_on: date | datetime | None,
    done: object = False,
    soon: int = SOON_WORKING_DAYS,
) -> str:
    """``{% due_chip hazard.due_on %}``; ``done=`` for finished work, ``soon=`` for
    another "due soon" threshold in working days (nothing when there is no date). A
    time counts by its local date."""
    if not due_on:
        return ""
    if isinstance(due_on, datetime):
        due_on = timezone.localdate(due_on)
    chip = due(_countdown(context), due_on, done=bool(done), soon=int(soon))
    return format_html(
        '<span class="{}" title="{}" data-due="{}">{}</span>',
        chip.css,
        _("Due %(date)s") % {"date": date_format(due_on, "Y-m-d")},
        due_on.isoformat(),
        chip.text,
    )


@register.simple_tag
def status_chip(value: object, label: object) -> str:
    """``{% status_chip hazard.status hazard.get_status_display %}``."""
    chip = status(str(value), str(label))
    return format_html('<span class="{}" data-status="{}">{}</span>', chip.css, value, chip.text)
