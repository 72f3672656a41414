"""Control-order pages: the list, an order's page (sign for it, lift it), issuing one
from a facility, an inspection under way or a hazard. Thin: scope through ``access``,
ask ``policy`` which actions to offer, call one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checklists.models import Item
from core import pages
from inspections import access, policy
from inspections.enforcement import orders
from inspections.enforcement.forms_orders import IssueForm, LiftForm
from inspections.enforcement.models import ControlOrder
from inspections.onsite.models import Inspection


@access.staff_required
def control_order_list(request):
    found = access.control_orders_for(request.user).select_related("facility", "hazard")
    status = request.GET.get("status", "")
    if status in ControlOrder.Status.values:
        found = found.filter(status=status)
    else:
        status = ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/enforcement/order_list.html",
        {
            "page": pages.page(request, found.order_by("-issued_at", "-pk")),
            "query": query.urlencode(),
            "status": status,
            "statuses": ControlOrder.Status.choices,
        },
    )


def _lift_choices(user, order):
    """The re-inspections ``user`` may lift ``order`` with (the policy decides each)."""
    eligible = policy.lifting_inspections(order)
    return eligible.filter(
        pk__in=[
            inspection.pk
            for inspection in eligible
            if policy.control_order_lift_refusal(user, order, inspection) is None
        ]
    )


@login_required
def control_order_detail(request, pk):
    order = access.control_order_for_user(request.user, pk)
    user = request.user
    may_lift = policy.allowed(policy.control_order_lift_refusal, user, order)
    return render(
        request,
        "inspections/enforcement/order_detail.html",
        {
            "order": order,
            "may_acknowledge": policy.allowed(
                policy.control_order_acknowledge_refusal, user, order
            ),
            "lift_form": LiftForm(inspections=_lift_choices(user, order)) if may_lift else None,
            # Why it cannot be lifted yet, for the staff of the county while it is in force.
            "lift_refusal": None
            if may_lift or not order.in_force or access.manages(order.facility, user)
            else policy.control_order_lift_refusal(user, order),
            "hazard_visible": order.hazard_id
            and access.hazards_for(user).filter(pk=order.hazard_id).exists(),
        },
    )


SOURCES = ("facility", "inspection", "hazard")


def _source(user, source, pk):
    """(facility, inspection, hazard) the order is issued from, scoped to ``user`` (404)."""
    if source == "facility":
        return access.facility_for_user(user, pk), None, None
    if source == "inspection":
        inspection = access.inspection_for_user(user, pk)
        return inspection.facility, inspection, None
    if source == "hazard":
        hazard = access.hazard_for_user(user, pk)
        inspection = hazard.inspection
        # On the spot only while the hazard's inspection is under way.
        if inspection is not None and inspection.status != Inspection.Status.IN_PROGRESS:
            inspection = None
        return hazard.facility, inspection, hazard
    raise Http404


def _initial(request, inspection, hazard):
    """A stop-use item failed on site (``?item=``) or a hazard fills in the reason."""
    if hazard is not None:
        return {
            "reason": hazard.description,
            "legal_basis": hazard.item.legal_basis if hazard.item_id else "",
            "scope_detail": hazard.location,
        }
    raw = request.GET.get("item", "")
    if inspection is None or not raw.isdigit():
        return {}
    item = Item.objects.filter(
        pk=int(raw), version__in=inspection.checklists.values("version")
    ).first()
    if item is None:
        return {}
    answer = inspection.answers.filter(item=item).first()
    return {
        "kind": ControlOrder.Kind.STOP_USE,
        "reason": item.question,
        "legal_basis": item.legal_basis,
        "scope_detail": answer.location if answer else "",
    }


@login_required
def control_order_issue(request, source, pk):
    facility, inspection, hazard = _source(request.user, source, pk)
    refusal = policy.control_order_issue_refusal(request.user, inspection or facility)
    if refusal:
        raise PermissionDenied(refusal)
    form = IssueForm(request.POST or None, initial=_initial(request, inspection, hazard))
    if request.method == "POST" and form.is_valid():
        try:
            order = orders.control_order_issue(
                facility=facility,
                inspection=inspection,
                hazard=hazard,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            for message in pages.errors(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Control order %(number)s is in force; the facility was told.")
                % {"number": order.number},
            )
            return redirect(order)
    return render(
        request,
        "inspections/enforcement/order_issue.html",
        {"form": form, "facility": facility, "inspection": inspection, "hazard": hazard},
    )


@login_required
@require_POST
def control_order_acknowledge(request, pk):
    order = access.control_order_for_user(request.user, pk)
    pages.call(
        request,
        orders.control_order_acknowledge,
        _("You signed for the control order. Stop as it orders until it is lifted."),
        order=order,
    )
    return redirect(order)


@login_required
@require_POST
def control_order_lift(request, pk):
    order = access.control_order_for_user(request.user, pk)
    form = LiftForm(request.POST, inspections=policy.lifting_inspections(order))
    if form.is_valid():
        pages.call(
            request,
            orders.control_order_lift,
            _("The control order was lifted; the facility was told."),
            order=order,
            **form.cleaned_data,
        )
    else:
        pages.flash_invalid(request, form, _("Choose the re-inspection and say what it found."))
    return redirect(order)
