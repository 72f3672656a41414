"""The credit file on the web: a facility's class and the events behind it, the
cases a county lead decides, the two lists, and the facility's objections and
credit repair applications. Thin: scope through the access module, ask the policy
which actions to offer, call one service."""

import logging
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import pages
from inspections import access, policy

from . import rules as credit_rules
from . import services
from .forms import ApplicationForm, DecideForm, EventRecordForm, WithdrawForm
from .models import CreditCase, CreditEvent, CreditList

logger = logging.getLogger(__name__)

# The service stores evidence under the extension its content proved.
EVIDENCE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
STATUS_ALL = "all"


def _kind_label(kind):
    try:
        return CreditEvent.Kind(kind).label
    except ValueError:
        return kind


def _refused(request, refusal, *, acts, back):
    """Someone who may act here but not now (already decided, too early…) is told why
    on the page they came from; anyone else is refused the page."""
    if not acts:
        raise PermissionDenied(refusal)
    messages.error(request, refusal)
    return redirect(back)


def _form_errors(form, error):
    for message in pages.errors(error):
        form.add_error(None, message)


def _file_url(facility_id):
    return reverse("inspections:credit_file", args=[facility_id])


# ---------------------------------------------------------------- the credit file


@login_required
def facility_file(request, pk):
    user = request.user
    facility = access.facility_for_user(user, pk)
    today = timezone.localdate()
    rules = credit_rules.current()
    events = list(
        facility.credit_events.select_related("withdrawn_by").order_by("-occurred_on", "-pk")
    )
    score, _rows = rules.basis(events, today)
    manages = access.manages(facility, user)
    can_record = policy.allowed(policy.credit_record_refusal, user, facility)

    page = pages.page(request, events)
    rows = []
    for event in page:
        weight = rules.weight(event.kind, event.detail)
        factor = rules.factor(event.occurred_on, today)
        rows.append(
            {
                "event": event,
                "weight": weight,
                "factor": factor,
                "points": 0 if event.withdrawn else round(weight * factor, 2),
                # The policy asks per event: ask it only for those who may act at all.
                "can_object": manages and policy.allowed(policy.credit_object_refusal, user, event),
                "can_withdraw": can_record
                and policy.allowed(policy.credit_event_withdraw_refusal, user, event),
            }
        )

    history = list(
        facility.credit_cases.filter(kind=CreditCase.Kind.CLASS, status=CreditCase.Status.DECIDED)
        .select_related("decided_by", "rules")
        .order_by("-decided_at", "-pk")
    )
    entries = []
    for entry in facility.credit_lists.select_related("entry_case", "exit_case"):
        rule = rules.lists.get(entry.list_name)
        repair_refusal = None
        if manages and entry.active:
            repair_refusal = policy.credit_repair_refusal(
                user, entry, wait_days=rules.repair_wait(entry.list_name)
            )
        entries.append(
            {
                "entry": entry,
                "min_checks": rule.min_checks_per_year if rule else None,
                "offer_repair": manages and entry.active,
                "repair_refusal": repair_refusal,
            }
        )
    return render(
        request,
        "credit/facility_file.html",
        {
            "facility": facility,
            "class_decided": history[0] if history else None,
            "score": score,
            "proposed": rules.class_of(score),
            "rules": rules,
            "page": page,
            "rows": rows,
            "history": history,
            "entries": entries,
            "pending": facility.credit_cases.filter(status=CreditCase.Status.PENDING)
            .select_related("event")
            .order_by("opened_at", "pk"),
            "can_record": can_record,
            "manages": manages,
        },
    )


@access.lead_required
def event_record(request, pk):
    facility = access.facility_for_user(request.user, pk)
    refusal = policy.credit_record_refusal(request.user, facility)
    if refusal is not None:
        raise PermissionDenied(refusal)
    form = EventRecordForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.credit_event_record(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("The event was recorded and the facility was scored again.")
            )
            return redirect(_file_url(facility.pk))
    return render(request, "credit/event_record.html", {"facility": facility, "form": form})


@access.lead_required
def event_withdraw(request, pk):
    event = access.credit_event_for_user(request.user, pk)
    refusal = policy.credit_event_withdraw_refusal(request.user, event)
    if refusal is not None:
        return _refused(
            request, refusal, acts=access.is_lead(request.user), back=_file_url(event.facility_id)
        )
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.credit_event_withdraw(
                event=event, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("The event was withdrawn and the facility was scored again.")
            )
            return redirect(_file_url(event.facility_id))
    return render(request, "credit/event_withdraw.html", {"event": event, "form": form})


# ---------------------------------------------------------------- cases


@access.member_required
def case_list(request):
    cases = access.credit_cases_for(request.user).select_related("facility", "event")
    kind = request.GET.get("kind", "")
    if kind in CreditCase.Kind.values:
        cases = cases.filter(kind=kind)
    else:
        kind = ""
    status = request.GET.get("status", "")
    if status not in (*CreditCase.Status.values, STATUS_ALL):
        status = CreditCase.Status.PENDING
    if status != STATUS_ALL:
        cases = cases.filter(status=status)
    if status == CreditCase.Status.PENDING:
        # The longest waiting first.
        cases = cases.order_by("opened_at", "pk")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "credit/case_list.html",
        {
            "page": pages.page(request, cases),
            "query": query.urlencode(),
            "kind": kind,
            "status": status,
            "kinds": CreditCase.Kind.choices,
            "statuses": [*CreditCase.Status.choices, (STATUS_ALL, _("Any status"))],
        },
    )


def _basis_rows(case):
    rows = []
    for row in case.basis or []:
        rows.append({**row, "label": _kind_label(row.get("kind", ""))})
    return rows


@login_required
def case_detail(request, pk):
    user = request.user
    case = access.credit_case_for_user(user, pk)
    refusal = policy.credit_decide_refusal(user, case)
    form = None
    if refusal is None:
        form = DecideForm(request.POST or None, case=case)
    if request.method == "POST":
        if refusal is not None:
            return _refused(request, refusal, acts=access.is_lead(user), back=case)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.case_decide(
                    case=case,
                    decision=data["decision"],
                    reason=data["reason"],
                    decided_class=data.get("decided_class", ""),
                    by=user,
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("The decision was recorded and the facility told."))
                return redirect(case)
    rows = _basis_rows(case)
    extension = case.evidence.name.rsplit(".", 1)[-1].lower() if case.evidence else ""
    return render(
        request,
        "credit/case_detail.html",
        {
            "case": case,
            "rows": rows,
            "weighed": any("weight" in row for row in rows),
            "evidence_type": extension.upper(),
            "form": form,
        },
    )


@login_required
def case_evidence(request, pk):
    """The facility's evidence, to those who see the case; each reading is logged."""
    case = access.credit_case_for_user(request.user, pk)
    if not case.evidence:
        raise Http404
    extension = case.evidence.name.rsplit(".", 1)[-1].lower()
    try:
        handle = case.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    logger.info("credit case %s: evidence read by user %s", case.pk, request.user.pk)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"credit-case-{case.pk}.{extension}",
        content_type=EVIDENCE_TYPES.get(extension, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- the facility's side


def _application(request, *, facility, refusal, send, sent, context):
    """An objection or a repair application: the policy's refusal, else the form whose
    reasons and evidence ``send`` hands to its service; then the case it opened."""
    if refusal is not None:
        return _refused(
            request,
            refusal,
            acts=access.manages(facility, request.user),
            back=_file_url(facility.pk),
        )
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = send(
                reasons=form.cleaned_data["reasons"],
                evidence=form.cleaned_data["evidence"],
                by=request.user,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, sent)
            return redirect(case)
    return render(
        request, "credit/application.html", {"facility": facility, "form": form, **context}
    )


@access.manager_required
def objection(request, pk):
    event = access.credit_event_for_user(request.user, pk)
    return _application(
        request,
        facility=event.facility,
        refusal=policy.credit_object_refusal(request.user, event),
        send=partial(services.objection_file, event=event),
        sent=_("Your objection was sent to the county's bureau lead."),
        context={
            "title": _("Object to a credit event (陈述申辩)"),
            "event": event,
            "action": _("Send the objection"),
        },
    )


@access.manager_required
def repair(request, pk):
    entry = access.list_entry_for_user(request.user, pk)
    wait = credit_rules.current().repair_wait(entry.list_name)
    return _application(
        request,
        facility=entry.facility,
        refusal=policy.credit_repair_refusal(request.user, entry, wait_days=wait),
        send=partial(services.repair_apply, entry=entry),
        sent=_("Your application for credit repair was sent to the bureau lead."),
        context={
            "title": _("Apply for credit repair (信用修复)"),
            "entry": entry,
            "action": _("Send the application"),
        },
    )


# ---------------------------------------------------------------- lists


@access.member_required
def lists(request):
    rules = credit_rules.current()
    active = access.list_entries_for(request.user).filter(exited_on=None)
    counts = {
        row["list_name"]: row["n"]
        for row in active.order_by().values("list_name").annotate(n=Count("pk"))
    }
    chosen = request.GET.get("list", "")
    if chosen in CreditList.values:
        active = active.filter(list_name=chosen)
    else:
        chosen = ""
    summary = [
        {
            "name": name,
            "label": label,
            "count": counts.get(name, 0),
            "min_checks": rules.lists[name].min_checks_per_year if name in rules.lists else None,
        }
        for name, label in CreditList.choices
    ]
    min_checks = {row["name"]: row["min_checks"] for row in summary}
    page = pages.page(
        request,
        active.select_related("facility", "entry_case").order_by("list_name", "-entered_on", "-pk"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "credit/lists.html",
        {
            "summary": summary,
            "chosen": chosen,
            "page": page,
            "rows": [{"entry": e, "min_checks": min_checks[e.list_name]} for e in page],
            "query": query.urlencode(),
        },
    )
