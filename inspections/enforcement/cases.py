"""Enforcement cases (立案), transfers to other departments (移送) and penalties.

A case is opened by a lead of the county from a hazard, an inspection or a complaint;
opened for a hazard it completes the hazard's ladder step "case". A transfer is a
numbered letter to another department with a feedback date; the lead records the
receipt and the feedback when they arrive, and is reminded while it is late. A penalty
(decided by the bureau or reported back) is public once recorded; an overturned one is
withdrawn with its reason, never edited.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import Actor, save_with_history
from core.notifications import notify
from core.numbers import next_number
from core.workdays import add_working_days, working_days_between
from inspections import policy
from inspections.enforcement import ladder
from inspections.enforcement.models import EnforcementCase, Penalty, Transfer, TransferReminder
from inspections.hazards.models import Hazard
from inspections.hazards.services import emit_hazard, leads_covering
from inspections.onsite.models import Inspection
from registry.models import Facility, User

# A fine above this is a typing mistake, not a decision (the largest fines of the
# laws concerned are in the hundreds of thousands of yuan).
MAX_AMOUNT = Decimal("10000000")
# While feedback stays late, the lead is reminded again every this many working days.
REMIND_EVERY_WORKING_DAYS = 10
# Dates of decisions and letters: nothing before the system's records, nothing after today.
EARLIEST = date(2000, 1, 1)


def _county(facility: Facility) -> str:
    return facility.region.code[:6]


def _number(facility: Facility, series: str, code: str, by: Actor) -> str:
    county = _county(facility)
    year = timezone.localdate().year
    n = next_number(series=f"{series}:{county}", year=year, by=by)
    return f"{county}-{year}-{code}{n:04d}"


def _required(value: str | None, *, limit: int, label: str) -> str:
    value = limits.text(value, limit=limit, label=label)
    if not value:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    return value


def _past_date(value: date | None, *, label: str, earliest: date = EARLIEST) -> date:
    if value is None:
        raise ValidationError(_("%(field)s is required.") % {"field": label})
    if isinstance(value, datetime):
        value = value.date()
    return limits.date_between(value, label=label, earliest=earliest, last=timezone.localdate())


def _locked_case(case: EnforcementCase) -> EnforcementCase:
    return EnforcementCase.objects.select_for_update().select_related("facility").get(pk=case.pk)


def _locked_transfer(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update()
        .select_related("case__facility__region")
        .get(pk=transfer.pk)
    )


# ---------------------------------------------------------------- cases


@transaction.atomic
def case_open(
    *,
    facility: Facility,
    kind: str,
    facts: str,
    legal_basis: str,
    by: User,
    hazard: Hazard | None = None,
    inspection: Inspection | None = None,
    complaint_ref: str = "",
) -> EnforcementCase:
    """Open a numbered case (立案) for ``facility``; for a hazard, its ladder step
    "case" is done."""
    policy.require(policy.enforcement_case_refusal(by, facility))
    if kind not in EnforcementCase.Kind.values:
        raise ValidationError(_("Choose the kind of case."))
    if hazard is not None and hazard.facility_id != facility.pk:
        raise ValidationError(_("The hazard is not one of this facility's."))
    if inspection is not None and inspection.facility_id != facility.pk:
        raise ValidationError(_("The inspection is not one of this facility's."))
    case = EnforcementCase(
        number=_number(facility, "case", "AJ", by),
        facility=facility,
        hazard=hazard,
        inspection=inspection,
        complaint_ref=limits.text(complaint_ref, limit=60, label=_("Complaint")),
        kind=kind,
        facts=_required(facts, limit=limits.TEXT, label=_("Facts")),
        legal_basis=_required(legal_basis, limit=300, label=_("Legal basis")),
        opened_by=by,
    )
    save_with_history(case, by=by)
    if hazard is not None:
        ladder.escalation_complete(hazard=hazard, step="case", case=case, by=by)
        emit_hazard(hazard, "changed", by)
    return case


@transaction.atomic
def case_decide(
    *, case: EnforcementCase, decision: str, decided_on: date, by: User
) -> EnforcementCase:
    case = _locked_case(case)
    policy.require(policy.case_decide_refusal(by, case))
    decision = _required(decision, limit=limits.TEXT, label=_("Decision"))
    decided_on = _past_date(
        decided_on, label=_("Date of the decision"), earliest=timezone.localdate(case.opened_at)
    )
    case.decide(by=by, decision=decision, decided_on=decided_on)
    return save_with_history(case, by=by)


@transaction.atomic
def case_close(*, case: EnforcementCase, outcome: str, by: User) -> EnforcementCase:
    case = _locked_case(case)
    policy.require(policy.case_close_refusal(by, case))
    outcome = _required(outcome, limit=limits.TEXT, label=_("Outcome"))
    case.close(by=by, outcome=outcome)
    return save_with_history(case, by=by)


# ---------------------------------------------------------------- transfers (移送)


@transaction.atomic
def transfer_send(
    *,
    case: EnforcementCase,
    department: str,
    department_name: str,
    contact: str,
    sent_on: date,
    by: User,
    feedback_due_on: date | None = None,
) -> Transfer:
    """A numbered transfer letter; feedback is due ``TRANSFER_FEEDBACK_WORKING_DAYS``
    working days after it is sent unless the lead sets another date."""
    case = _locked_case(case)
    policy.require(policy.transfer_send_refusal(by, case))
    if department not in Transfer.Department.values:
        raise ValidationError(_("Choose the receiving department."))
    sent_on = _past_date(sent_on, label=_("Date sent"), earliest=timezone.localdate(case.opened_at))
    if feedback_due_on is None:
        feedback_due_on = add_working_days(sent_on, settings.TRANSFER_FEEDBACK_WORKING_DAYS).date
    elif not sent_on < feedback_due_on <= limits.add_months(sent_on, 12):
        raise ValidationError(
            _("The feedback date must fall after the letter is sent and within a year.")
        )
    transfer = Transfer(
        number=_number(case.facility, "transfer", "YS", by),
        case=case,
        department=department,
        department_name=_required(department_name, limit=limits.NAME, label=_("Department")),
        contact=limits.text(contact, limit=limits.LINE, label=_("Contact")),
        sent_on=sent_on,
        feedback_due_on=feedback_due_on,
        sent_by=by,
    )
    return save_with_history(transfer, by=by)


@transaction.atomic
def transfer_receive(*, transfer: Transfer, on: date, by: User) -> Transfer:
    transfer = _locked_transfer(transfer)
    policy.require(policy.transfer_receive_refusal(by, transfer))
    on = _past_date(on, label=_("Date of the receipt"), earliest=transfer.sent_on)
    transfer.receive(by=by, on=on)
    return save_with_history(transfer, by=by)


@transaction.atomic
def transfer_answer(
    *,
    transfer: Transfer,
    on: date,
    feedback: str,
    by: User,
    penalty: dict | None = None,
) -> Transfer:
    """Record the department's feedback; ``penalty`` (decision_no, authority, kind,
    legal_basis, decided_on, amount) when it reports a penalty decided."""
    transfer = _locked_transfer(transfer)
    policy.require(policy.transfer_answer_refusal(by, transfer))
    on = _past_date(on, label=_("Date of the feedback"), earliest=transfer.sent_on)
    feedback = _required(feedback, limit=limits.TEXT, label=_("Feedback"))
    transfer.answer(by=by, on=on, feedback=feedback)
    save_with_history(transfer, by=by)
    if penalty:
        penalty_record(case=transfer.case, transfer=transfer, by=by, **penalty)
    return transfer


def _late_keys(transfer: Transfer, today: date) -> list[str]:
    """The reminders due by ``today``: the day after the feedback date, then every
    ``REMIND_EVERY_WORKING_DAYS`` working days, each keyed by its date."""
    first = transfer.feedback_due_on.toordinal() + 1
    if today.toordinal() < first:
        return []
    day = date.fromordinal(first)
    keys = [f"late:{day.isoformat()}"]
    # Only the latest reminder matters to the reader: count the ones past, fire one.
    passed = working_days_between(day, today) // REMIND_EVERY_WORKING_DAYS
    if passed:
        day = add_working_days(day, passed * REMIND_EVERY_WORKING_DAYS).date
        keys.append(f"late:{day.isoformat()}")
    return keys


def transfer_reminders_dispatch(*, now: datetime | None = None) -> int:
    """Remind the case's opener and the county's leads of transfers whose feedback is
    late; each reminder fires once per transfer and key, however often this runs.
    Returns how many reminders went off."""
    today = timezone.localdate(now or timezone.now())
    fired = 0
    late = Transfer.objects.filter(
        status__in=[Transfer.Status.SENT, Transfer.Status.RECEIVED], feedback_due_on__lt=today
    ).select_related("case__facility__region", "case__opened_by")
    for transfer in late:
        keys = _late_keys(transfer, today)
        done = set(transfer.reminders.values_list("key", flat=True))
        key = keys[-1] if keys else None
        if key is None or key in done:
            continue
        try:
            with transaction.atomic():
                save_with_history(TransferReminder(transfer=transfer, key=key))
                _remind(transfer)
        except IntegrityError:  # another dispatcher fired it first
            continue
        fired += 1
    return fired


def _remind(transfer: Transfer) -> None:
    case = transfer.case
    people = {lead.pk: lead for lead in leads_covering(case.facility)}
    if case.opened_by is not None and case.opened_by.is_active:
        people.setdefault(case.opened_by.pk, case.opened_by)
    text = _(
        "No feedback yet from %(department)s on transfer %(number)s (case %(case)s): "
        "it was due on %(date)s."
    ) % {
        "department": transfer.department_name,
        "number": transfer.number,
        "case": case.number,
        "date": transfer.feedback_due_on.isoformat(),
    }
    for user in people.values():
        notify(user=user, text=text, url=transfer.get_absolute_url(), by=None)


# ---------------------------------------------------------------- penalties


def _amount(value: Decimal | int | float | str | None, kind: str) -> Decimal | None:
    if value in (None, ""):
        if kind == Penalty.Kind.FINE:
            raise ValidationError(_("A fine needs its amount."))
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(_("The amount must be a number of yuan.")) from None
    if not amount.is_finite() or not Decimal(0) <= amount <= MAX_AMOUNT:
        raise ValidationError(
            _("The amount must be between 0 and %(max)s yuan.") % {"max": f"{MAX_AMOUNT:,.0f}"}
        )
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def penalty_record(
    *,
    case: EnforcementCase,
    decision_no: str,
    authority: str,
    kind: str,
    legal_basis: str,
    decided_on: date,
    by: User,
    amount: Decimal | int | float | str | None = None,
    transfer: Transfer | None = None,
) -> Penalty:
    """A penalty decided, public from now on (依法公示行政处罚信息)."""
    policy.require(policy.penalty_record_refusal(by, case))
    if transfer is not None and transfer.case_id != case.pk:
        raise ValidationError(_("The transfer is not one of this case's."))
    if kind not in Penalty.Kind.values:
        raise ValidationError(_("Choose the kind of penalty."))
    decision_no = _required(decision_no, limit=60, label=_("Decision number"))
    authority = _required(authority, limit=limits.NAME, label=_("Deciding authority"))
    if Penalty.objects.filter(authority=authority, decision_no=decision_no).exists():
        raise ValidationError(
            _("Decision %(number)s of %(authority)s is already recorded.")
            % {"number": decision_no, "authority": authority}
        )
    penalty = Penalty(
        decision_no=decision_no,
        facility=case.facility,
        case=case,
        transfer=transfer,
        authority=authority,
        kind=kind,
        legal_basis=_required(legal_basis, limit=300, label=_("Legal basis")),
        amount=_amount(amount, kind),
        decided_on=_past_date(decided_on, label=_("Date of the decision")),
        recorded_by=by,
    )
    return save_with_history(penalty, by=by)


@transaction.atomic
def penalty_withdraw(*, penalty: Penalty, reason: str, by: User) -> Penalty:
    """An overturned penalty leaves the public record, kept with the reason."""
    penalty = Penalty.objects.select_for_update().select_related("facility").get(pk=penalty.pk)
    policy.require(policy.penalty_withdraw_refusal(by, penalty))
    reason = _required(reason, limit=limits.SHORT, label=_("Reason"))
    penalty.withdraw(by=by, reason=reason)
    return save_with_history(penalty, by=by, reason=reason[:100])
