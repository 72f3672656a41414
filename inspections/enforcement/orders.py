"""Control orders (责令立即停止使用 / 部分停止使用 / 停业整顿): issued on the spot or by a
lead, in force at once, signed for by the facility, lifted only after a re-inspection on
site. The hazard's remediation deadline runs on its own: an order changes nothing of the
hazard but its escalation step, and closing the hazard does not lift the order."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import limits
from core.audited import save_with_history
from core.numbers import next_number
from inspections import policy
from inspections.common import _user, notify_managers
from inspections.enforcement.ladder import escalation_complete
from inspections.enforcement.models import ControlOrder, Escalation
from inspections.hazards.models import Hazard
from inspections.hazards.services import emit_hazard
from inspections.onsite.models import Inspection
from registry.models import Facility, User

# The longest legal basis the order keeps (the model's column).
LEGAL_BASIS = 300


def _choice(value: str, choices: type[ControlOrder.Kind] | type[ControlOrder.Scope]) -> str:
    if value not in choices.values:
        raise ValidationError(_("Choose one of the listed options."))
    return value


@transaction.atomic
def control_order_issue(
    *,
    facility: Facility,
    kind: str,
    scope: str,
    scope_detail: str,
    reason: str,
    legal_basis: str,
    by: User,
    hazard: Hazard | None = None,
    inspection: Inspection | None = None,
) -> ControlOrder:
    """Issue a control order on ``facility``: numbered, in force at once, the managers
    told. ``inspection``: issued on the spot during it; ``hazard``: the order is the
    hazard's escalation step "control" (the hazard's deadline does not change)."""
    if inspection is not None and inspection.facility_id != facility.pk:
        raise ValidationError(_("The inspection is not of this facility."))
    if hazard is not None:
        if hazard.facility_id != facility.pk:
            raise ValidationError(_("The hazard is not of this facility."))
        if not hazard.is_open:
            raise ValidationError(_("This hazard is closed."))
    policy.require(policy.control_order_issue_refusal(by, inspection or facility))
    kind = _choice(kind, ControlOrder.Kind)
    scope = _choice(scope, ControlOrder.Scope)
    scope_detail = limits.text(scope_detail, limit=limits.LINE, label=_("What is stopped"))
    reason = limits.text(reason, limit=limits.TEXT, label=_("Reason"))
    legal_basis = limits.text(legal_basis, limit=LEGAL_BASIS, label=_("Legal basis"))
    if scope != ControlOrder.Scope.WHOLE and not scope_detail:
        raise ValidationError(_("Say what is stopped: which building, floor, area or equipment."))
    if kind == ControlOrder.Kind.PARTIAL and scope == ControlOrder.Scope.WHOLE:
        raise ValidationError(_("A partial stop cannot cover the whole facility: name the part."))
    if not reason:
        raise ValidationError(_("Give the reason for the order."))
    if not legal_basis:
        raise ValidationError(_("Give the legal basis of the order."))

    county = facility.region.code[:6]
    year = timezone.localdate().year
    number = next_number(series=f"control:{county}", year=year, by=by)
    order = save_with_history(
        ControlOrder(
            number=f"{county}-{year}-ZL{number:04d}",
            facility=facility,
            hazard=hazard,
            inspection=inspection,
            kind=kind,
            scope=scope,
            scope_detail=scope_detail,
            reason=reason,
            legal_basis=legal_basis,
            issued_by=_user(by),
        ),
        by=by,
    )
    if hazard is not None:
        escalation_complete(hazard=hazard, step=Escalation.Step.CONTROL, control_order=order, by=by)
        emit_hazard(hazard, "changed", by)
    notify_managers(
        facility=facility,
        text=_(
            "Control order %(number)s for %(facility)s: %(kind)s, in force at once. "
            "Sign for it on its page."
        )
        % {"number": order.number, "facility": facility.name, "kind": order.get_kind_display()},
        url=order.get_absolute_url(),
        by=by,
    )
    return order


def _locked(order: ControlOrder) -> ControlOrder:
    return ControlOrder.objects.select_for_update().select_related("facility").get(pk=order.pk)


@transaction.atomic
def control_order_acknowledge(*, order: ControlOrder, by: User) -> ControlOrder:
    """A manager of the facility signs for the order, once."""
    order = _locked(order)
    policy.require(policy.control_order_acknowledge_refusal(by, order))
    order.acknowledge(by=by)
    return save_with_history(order, by=by)


@transaction.atomic
def control_order_lift(
    *, order: ControlOrder, inspection: Inspection | None, note: str, by: User
) -> ControlOrder:
    """Lift the order after ``inspection``, a finished official re-inspection on site
    that started after the order was issued, found the danger gone."""
    order = _locked(order)
    if inspection is None:
        raise ValidationError(_("Choose the re-inspection that verified the danger is gone."))
    inspection = Inspection.objects.get(pk=inspection.pk)
    policy.require(policy.control_order_lift_refusal(by, order, inspection))
    note = limits.text(note, limit=limits.TEXT, label=_("What the re-inspection found"))
    if not note:
        raise ValidationError(_("Say what the re-inspection found."))
    order.lift(by=by, inspection=inspection, note=note)
    save_with_history(order, by=by)
    notify_managers(
        facility=order.facility,
        text=_("Control order %(number)s for %(facility)s was lifted after a re-inspection.")
        % {"number": order.number, "facility": order.facility.name},
        url=order.get_absolute_url(),
        by=by,
    )
    return order


def orders_in_force(
    *, facility: Facility | None = None, hazard: Hazard | None = None
) -> QuerySet[ControlOrder]:
    """Orders in force on ``facility`` (all of them) or issued for ``hazard``."""
    orders = ControlOrder.objects.filter(status=ControlOrder.Status.IN_FORCE)
    if facility is not None:
        orders = orders.filter(facility=facility)
    if hazard is not None:
        orders = orders.filter(hazard=hazard)
    return orders.order_by("-issued_at", "-pk")
