"""Pages of enforcement cases (立案), their transfers (移送) and penalties. Thin: scope
through ``access`` (county staff; a facility's managers see no case, only the
penalties on the public page and the control orders served on them), ask ``policy``
which actions to offer, call one service of ``cases``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pages
from inspections import access, policy
from inspections.enforcement import cases
from inspections.enforcement.forms_cases import (
    CaseCloseForm,
    CaseDecideForm,
    CaseOpenForm,
    PenaltyForm,
    PenaltyWithdrawForm,
    TransferAnswerForm,
    TransferReceiveForm,
    TransferSendForm,
)
from inspections.enforcement.models import EnforcementCase

FORM = "inspections/enforcement/case_form.html"


def _refuse(refusal):
    if refusal is not None:
        raise PermissionDenied(refusal)


def _form_page(request, form, *, title, back, button, warning="", obj=None):
    return render(
        request,
        FORM,
        {
            "form": form,
            "title": title,
            "back": back,
            "button": button,
            "warning": warning,
            "obj": obj,
        },
    )


def _run(form, service, **kwargs):
    """Call ``service``; its refusal goes on the form. Returns the result or None."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        for message in pages.errors(error):
            form.add_error(None, message)
        return None


# ---------------------------------------------------------------- cases


@access.staff_required
def case_list(request):
    found = access.cases_for(request.user).select_related("facility")
    status = request.GET.get("status", "")
    if status in EnforcementCase.Status.values:
        found = found.filter(status=status)
    else:
        status = ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/enforcement/case_list.html",
        {
            "page": pages.page(request, found.order_by("-opened_at", "-pk")),
            "query": query.urlencode(),
            "status": status,
            "statuses": EnforcementCase.Status.choices,
        },
    )


@login_required
def case_detail(request, pk):
    case = access.case_for_user(request.user, pk)
    user = request.user
    return render(
        request,
        "inspections/enforcement/case_detail.html",
        {
            "case": case,
            "transfers": case.transfers.order_by("-sent_on", "-pk"),
            "penalties": case.penalties.select_related("transfer").order_by("-decided_on", "-pk"),
            "may_decide": policy.allowed(policy.case_decide_refusal, user, case),
            "may_close": policy.allowed(policy.case_close_refusal, user, case),
            "may_transfer": policy.allowed(policy.transfer_send_refusal, user, case),
            "may_penalise": policy.allowed(policy.penalty_record_refusal, user, case),
            "may_withdraw": policy.allowed(policy.enforcement_case_refusal, user, case.facility),
            "hazard_visible": case.hazard_id
            and access.hazards_for(user).filter(pk=case.hazard_id).exists(),
            "inspection_visible": case.inspection_id
            and access.inspections_for(user).filter(pk=case.inspection_id).exists(),
        },
    )


SOURCES = ("facility", "inspection", "hazard")


def _source(user, source, pk):
    """(facility, inspection, hazard) the case is opened from, scoped to ``user`` (404)."""
    if source == "facility":
        return access.facility_for_user(user, pk), None, None
    if source == "inspection":
        inspection = access.inspection_for_user(user, pk)
        return inspection.facility, inspection, None
    if source == "hazard":
        hazard = access.hazard_for_user(user, pk)
        return hazard.facility, hazard.inspection, hazard
    raise Http404


def _back(facility, inspection, hazard):
    if hazard is not None:
        return reverse("inspections:hazard_detail", args=[hazard.pk])
    if inspection is not None:
        return reverse("inspections:inspection_detail", args=[inspection.pk])
    return reverse("registry:facility_detail", args=[facility.pk])


@login_required
def case_open(request, source, pk):
    facility, inspection, hazard = _source(request.user, source, pk)
    _refuse(policy.enforcement_case_refusal(request.user, facility))
    initial = {}
    if hazard is not None:
        initial = {
            "facts": hazard.description,
            "legal_basis": hazard.item.legal_basis if hazard.item_id else "",
        }
    form = CaseOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        case = _run(
            form,
            cases.case_open,
            facility=facility,
            inspection=inspection,
            hazard=hazard,
            by=request.user,
            **form.cleaned_data,
        )
        if case is not None:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect(case.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Open a case: %(facility)s") % {"facility": facility.name},
        back=_back(facility, inspection, hazard),
        button=_("Open the case"),
        warning=_("The case is numbered when it is opened and cannot be deleted."),
    )


@login_required
def case_decide(request, pk):
    case = access.case_for_user(request.user, pk)
    _refuse(policy.case_decide_refusal(request.user, case))
    form = CaseDecideForm(request.POST or None, initial={"decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        if _run(form, cases.case_decide, case=case, by=request.user, **form.cleaned_data):
            messages.success(request, _("The decision was recorded."))
            return redirect(case.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Decision on case %(number)s") % {"number": case.number},
        back=case.get_absolute_url(),
        button=_("Record the decision"),
        warning=_("A decision recorded cannot be changed."),
        obj=case,
    )


@login_required
def case_close(request, pk):
    case = access.case_for_user(request.user, pk)
    _refuse(policy.case_close_refusal(request.user, case))
    form = CaseCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = form.cleaned_data["outcome"]
        if _run(form, cases.case_close, case=case, outcome=outcome, by=request.user):
            messages.success(request, _("The case was closed."))
            return redirect(case.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Close case %(number)s") % {"number": case.number},
        back=case.get_absolute_url(),
        button=_("Close the case"),
        warning=_("Closing cannot be undone."),
        obj=case,
    )


# ---------------------------------------------------------------- transfers (移送)


@login_required
def transfer_send(request, pk):
    case = access.case_for_user(request.user, pk)
    _refuse(policy.transfer_send_refusal(request.user, case))
    form = TransferSendForm(request.POST or None, initial={"sent_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        transfer = _run(form, cases.transfer_send, case=case, by=request.user, **form.cleaned_data)
        if transfer is not None:
            messages.success(
                request,
                _("Transfer letter %(number)s recorded; download it to send.")
                % {"number": transfer.number},
            )
            return redirect(transfer.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Transfer case %(number)s") % {"number": case.number},
        back=case.get_absolute_url(),
        button=_("Record the transfer letter"),
        warning=_("The letter is numbered when it is recorded and cannot be deleted."),
        obj=case,
    )


@login_required
def transfer_detail(request, pk):
    transfer = access.transfer_for_user(request.user, pk)
    user = request.user
    return render(
        request,
        "inspections/enforcement/transfer_detail.html",
        {
            "transfer": transfer,
            "case": transfer.case,
            "penalties": transfer.penalties.order_by("-decided_on", "-pk"),
            "may_receive": policy.allowed(policy.transfer_receive_refusal, user, transfer),
            "may_answer": policy.allowed(policy.transfer_answer_refusal, user, transfer),
            "receive_form": TransferReceiveForm(initial={"on": timezone.localdate()}),
            "late": transfer.status != transfer.Status.ANSWERED
            and transfer.feedback_due_on < timezone.localdate(),
        },
    )


@login_required
def transfer_receive(request, pk):
    transfer = access.transfer_for_user(request.user, pk)
    _refuse(policy.transfer_receive_refusal(request.user, transfer))
    form = TransferReceiveForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["on"]
        if _run(form, cases.transfer_receive, transfer=transfer, on=on, by=request.user):
            messages.success(request, _("The receipt was recorded."))
            return redirect(transfer.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Receipt of transfer %(number)s") % {"number": transfer.number},
        back=transfer.get_absolute_url(),
        button=_("Record the receipt"),
        obj=transfer,
    )


@login_required
def transfer_answer(request, pk):
    transfer = access.transfer_for_user(request.user, pk)
    _refuse(policy.transfer_answer_refusal(request.user, transfer))
    form = TransferAnswerForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _run(
            form,
            cases.transfer_answer,
            transfer=transfer,
            on=data["on"],
            feedback=data["feedback"],
            penalty=form.penalty(),
            by=request.user,
        )
        if done:
            messages.success(request, _("The feedback was recorded."))
            return redirect(transfer.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Feedback on transfer %(number)s") % {"number": transfer.number},
        back=transfer.get_absolute_url(),
        button=_("Record the feedback"),
        warning=_("A penalty recorded is published on the facility's public page at once."),
        obj=transfer,
    )


# ---------------------------------------------------------------- penalties


@login_required
def penalty_record(request, pk):
    case = access.case_for_user(request.user, pk)
    _refuse(policy.penalty_record_refusal(request.user, case))
    form = PenaltyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _run(form, cases.penalty_record, case=case, by=request.user, **form.cleaned_data):
            messages.success(request, _("The penalty was recorded and is now public."))
            return redirect(case.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Record a penalty: case %(number)s") % {"number": case.number},
        back=case.get_absolute_url(),
        button=_("Record the penalty"),
        warning=_(
            "Record a penalty only once it is decided: it is published on the facility's "
            "public page and in the open data at once."
        ),
        obj=case,
    )


@login_required
def penalty_withdraw(request, pk):
    penalty = access.penalty_for_user(request.user, pk)
    _refuse(policy.penalty_withdraw_refusal(request.user, penalty))
    form = PenaltyWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if _run(form, cases.penalty_withdraw, penalty=penalty, reason=reason, by=request.user):
            messages.success(request, _("The penalty was withdrawn from the public record."))
            return redirect(penalty.case.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Withdraw penalty %(number)s") % {"number": penalty.decision_no},
        back=penalty.case.get_absolute_url(),
        button=_("Withdraw the penalty"),
        warning=_("Withdrawing cannot be undone; the penalty and the reason stay on record."),
        obj=penalty,
    )
